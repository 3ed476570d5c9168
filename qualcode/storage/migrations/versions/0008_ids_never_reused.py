"""Ids are never reused; memos point at their target through foreign keys.

SQLite handed the largest id out again once its row was deleted, so a memo, an event
or an undo that named a removed coding moved to the next coding applied. On SQLite
every table keyed by an integer ``id`` is rebuilt with AUTOINCREMENT (rows and ids
kept); the counters start above the largest id the event log has ever named, so ids
that were handed out and deleted before this upgrade are not given out again.

Memos lose the unchecked ``(target_kind, target_id)`` pair for one foreign key per kind
of target (``ON DELETE CASCADE``) and a CHECK that exactly the right one is set. A
memo whose target no longer exists, or (SQLite) one written before the coding that now
holds its target's id, is kept on the project with a note saying where it was.

Events get ``undo_refused_by``: an undo that was refused leaves the change in place.

PostgreSQL sequences never hand an id out twice; there only memos and events change.

Revision ID: 0008
Revises: 0007
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MEMO_TARGET_CHECK = (
    "(target_kind = 'project' AND document_id IS NULL AND code_id IS NULL AND coding_id IS NULL)"
    " OR (target_kind = 'document' AND document_id IS NOT NULL AND code_id IS NULL AND coding_id IS NULL)"
    " OR (target_kind = 'code' AND code_id IS NOT NULL AND document_id IS NULL AND coding_id IS NULL)"
    " OR (target_kind = 'coding' AND coding_id IS NOT NULL AND document_id IS NULL AND code_id IS NULL)"
)
_TARGETS = {"document": ("document_id", "documents"), "code": ("code_id", "codes"),
            "coding": ("coding_id", "codings")}
# Payload keys of logged events that name a row's id, and the table of that row.
_LOGGED_IDS = {"coding_id": "codings", "memo_id": "memos", "new_code": "codes", "code_id": "codes"}


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.add_column("events", sa.Column("undo_refused_by", sa.Integer(), nullable=True))
    for column, _table in _TARGETS.values():
        op.add_column("memos", sa.Column(column, sa.Integer(), nullable=True))
    _link_memos(bind, sqlite)
    with op.batch_alter_table("memos", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index("ix_memos_target")
        batch.drop_column("target_id")
        for kind, (column, table) in _TARGETS.items():
            batch.create_foreign_key(f"fk_memos_{kind}", table, [column], ["id"], ondelete="CASCADE")
            batch.create_index(f"ix_memos_{kind}", [column])
        batch.create_check_constraint("memo_target", MEMO_TARGET_CHECK)
    if sqlite:
        for table in _tables_keyed_by_id(bind):
            if not _rebuild_from_own_sql(bind, table):
                with op.batch_alter_table(table, recreate="always",
                                          table_kwargs={"sqlite_autoincrement": True}):
                    pass
        _counters_past_logged_ids(bind)


_ID_COLUMN = re.compile(r"(\n\s*\"?id\"? INTEGER NOT NULL),")
_ID_KEY = re.compile(r",\s*PRIMARY KEY \(\"?id\"?\)")


def _rebuild_from_own_sql(bind, table: str) -> bool:  # type: ignore[no-untyped-def]
    """Rebuild ``table`` with AUTOINCREMENT from its own CREATE statement; False if its
    statement has an unexpected shape (then Alembic's batch mode rebuilds it).

    Batch mode reflects each table first, which made this upgrade cost seconds on a
    brand-new project; the tables' statements all come from SQLAlchemy and differ from
    the wanted ones only in where the primary key is declared.
    """
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                       {"t": table}).scalar()
    if not sql or len(_ID_COLUMN.findall(sql)) != 1 or len(_ID_KEY.findall(sql)) != 1:
        return False
    temporary = f"_rebuild_{table}"
    body = _ID_KEY.sub("", _ID_COLUMN.sub(r"\1 PRIMARY KEY AUTOINCREMENT,", sql, count=1), count=1)
    body = re.sub(r"^CREATE TABLE\s+(\"[^\"]+\"|\S+)", f'CREATE TABLE "{temporary}"', body, count=1)
    dependants = [row[0] for row in bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE tbl_name = :t AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL"), {"t": table})]
    bind.execute(sa.text(body))
    bind.execute(sa.text(f'INSERT INTO "{temporary}" SELECT * FROM "{table}"'))
    bind.execute(sa.text(f'DROP TABLE "{table}"'))
    bind.execute(sa.text(f'ALTER TABLE "{temporary}" RENAME TO "{table}"'))
    for statement in dependants:
        bind.execute(sa.text(statement))
    return True


def _link_memos(bind, sqlite: bool) -> None:  # type: ignore[no-untyped-def]
    """Fill the new columns; a memo whose target is gone stays, on the project, with a note."""
    for kind, (column, table) in _TARGETS.items():
        # On SQLite a coding younger than the memo got its id after the memo's coding was
        # deleted: the memo was never about it.
        younger = (" AND t.created_at <= memos.created_at" if sqlite and kind == "coding" else "")
        bind.execute(sa.text(
            f"UPDATE memos SET {column} = target_id WHERE target_kind = :kind AND EXISTS "
            f"(SELECT 1 FROM {table} t WHERE t.id = memos.target_id{younger})"), {"kind": kind})
        stray = bind.execute(sa.text(
            f"SELECT id, target_id, text FROM memos WHERE target_kind = :kind AND {column} IS NULL"),
            {"kind": kind}).all()
        for memo_id, target_id, text in stray:
            note = (f"[This memo was on {kind} {target_id}, which no longer exists; "
                    "the 0008 upgrade kept it on the project.] ")
            bind.execute(sa.text("UPDATE memos SET target_kind = 'project', text = :text WHERE id = :id"),
                         {"text": note + text, "id": memo_id})
    bind.execute(sa.text("UPDATE memos SET target_kind = 'project' "
                         "WHERE target_kind NOT IN ('project', 'document', 'code', 'coding')"))


def _tables_keyed_by_id(bind) -> list[str]:  # type: ignore[no-untyped-def]
    inspector = sa.inspect(bind)
    tables = []
    for name, sql in bind.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_fts%' ORDER BY name")).all():
        if "AUTOINCREMENT" in (sql or "").upper():
            continue
        if inspector.get_pk_constraint(name).get("constrained_columns") == ["id"]:
            tables.append(name)
    return tables


def _counters_past_logged_ids(bind) -> None:  # type: ignore[no-untyped-def]
    """Start each counter above every id the event log names, not only the ids still there."""
    import json

    highest: dict[str, int] = {}
    for (payload,) in bind.execute(sa.text("SELECT payload FROM events")):
        data = json.loads(payload) if isinstance(payload, str) else (payload or {})
        for key, table in _LOGGED_IDS.items():
            value = data.get(key) if isinstance(data, dict) else None
            if isinstance(value, int):
                highest[table] = max(highest.get(table, 0), value)
    for table, value in highest.items():
        current = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}).scalar()
        if current is None:
            bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                         {"t": table, "v": value})
        elif current < value:
            bind.execute(sa.text("UPDATE sqlite_sequence SET seq = :v WHERE name = :t"),
                         {"t": table, "v": value})


def downgrade() -> None:
    # Ids handed out once stay handed out; only the memo link goes back to a kind/id pair.
    op.add_column("memos", sa.Column("target_id", sa.Integer(), nullable=True))
    op.execute("UPDATE memos SET target_id = COALESCE(document_id, code_id, coding_id)")
    with op.batch_alter_table("memos") as batch:
        batch.drop_constraint("memo_target", type_="check")
        for kind, (column, _table) in _TARGETS.items():
            batch.drop_index(f"ix_memos_{kind}")
            batch.drop_constraint(f"fk_memos_{kind}", type_="foreignkey")
            batch.drop_column(column)
        batch.create_index("ix_memos_target", ["target_kind", "target_id"])
    with op.batch_alter_table("events") as batch:
        batch.drop_column("undo_refused_by")
