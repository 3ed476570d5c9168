"""The project store: the only package that talks SQL (SQLAlchemy and Alembic)."""
