"""Bringing a project's schema to the current revision with Alembic.

Alembic is imported only when a schema actually has to change: opening an up-to-date
project reads the revision with one query, so start-up stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions; a test checks it against Alembic's own view.
HEAD_REVISION = "0025"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return HEAD_REVISION


def scripted_head() -> str:
    """The head as Alembic computes it from the revision scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations in one transaction: an interrupted upgrade leaves the old schema.

    SQLite: foreign keys are off while tables are rebuilt (dropping a table would
    otherwise cascade into the rows that refer to it; the pragma cannot change inside
    a transaction), and checked before the transaction commits.
    """
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            _pragma(connection, "foreign_keys = OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"a row of {broken[0]} refers to a missing row of {broken[2]}")
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys = ON")


def _pragma(connection, setting: str) -> None:  # type: ignore[no-untyped-def]
    # On the driver's connection: SQLAlchemy would begin a transaction first.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()
