"""PostgreSQL roles and privileges for a team working on one project database.

Three group roles (``NOLOGIN``) hold the privileges; each person logs in as a role of
their own that is a member of one group:

``qualcode_reader``
    SELECT on every table.
``qualcode_coder``
    SELECT on every table; INSERT, UPDATE and DELETE on codings and memos; INSERT on
    events (and UPDATE of the two undo columns), on coders (a new coder name) and on the
    settings and caches a session writes (search index, word counts, embeddings,
    suggestion feedback); UPDATE of ``sample_coders.done_at``. Nothing else: no DELETE
    on documents, codebooks or codes, no schema change.
``qualcode_supervisor``
    SELECT, INSERT, UPDATE and DELETE on every table; still no schema change (schema
    upgrades stay with the owner of the database).

Group roles belong to the whole server, so several project databases share them;
the privileges are granted per database. ``ALTER DEFAULT PRIVILEGES`` lets tables that
a later schema upgrade (run by the same owner) creates follow the same split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from qualcode.errors import StoreError

GROUPS = {"reader": "qualcode_reader", "coder": "qualcode_coder", "supervisor": "qualcode_supervisor"}

# What a coder's session writes: their work, the log, and what it caches or remembers.
CODER_WRITES = {
    "codings": "INSERT, UPDATE, DELETE",
    "memos": "INSERT, UPDATE, DELETE",
    "events": "INSERT",
    "coders": "INSERT",
    "settings": "INSERT, UPDATE",
    "suggestion_feedback": "INSERT, UPDATE, DELETE",
    "embeddings": "INSERT, UPDATE, DELETE",
    "embedding_models": "INSERT, UPDATE",
    "search_text": "INSERT, UPDATE, DELETE",
    "search_pending": "INSERT, DELETE",
    "word_tokens": "INSERT, DELETE",
    "word_indexed": "INSERT, DELETE",
}
CODER_COLUMN_UPDATES = {"events": ("undone_by", "undo_refused_by"), "sample_coders": ("done_at",)}

_LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass
class TeamSetup:
    """What ``team init`` did in one database."""

    database: str
    groups_created: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    users_changed: list[str] = field(default_factory=list)
    tables: int = 0
    regranted: bool = False


def check_login_name(name: str) -> str:
    if not _LOGIN_NAME.match(name):
        raise StoreError(f"'{name}' is not a usable database login name.",
                         "Use lower-case letters, digits and _ (starting with a letter), e.g. anna_k.")
    if name in GROUPS.values() or name == "public":
        raise StoreError(f"'{name}' is the name of a qualcode group role, not a login.", "Choose a person's name.")
    return name


def _role_exists(connection: Connection, name: str) -> bool:
    return connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is not None


def already_granted(connection: Connection) -> bool:
    """Whether this database's tables were already granted to the qualcode groups."""
    if not _role_exists(connection, GROUPS["coder"]):
        return False
    return bool(connection.execute(
        text("SELECT has_table_privilege(:r, 'codings', 'INSERT')"), {"r": GROUPS["coder"]}).scalar())


def set_up(engine: Engine, users: list[tuple[str, str]], *, force: bool) -> TeamSetup:
    """Create the groups (and ``users``, (login, role) pairs) and grant, in one transaction.

    Needs a database user who owns the project's tables and may create roles (CREATEROLE).
    """
    try:
        return _set_up(engine, users, force=force)
    except DBAPIError as exc:
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        raise StoreError(f"Setting up the team roles failed, so nothing was changed: {detail.strip()}",
                         "Run it as the database's owner with the CREATEROLE privilege "
                         "(e.g. the user who ran 'qualcode init URL').") from exc


def _set_up(engine: Engine, users: list[tuple[str, str]], *, force: bool) -> TeamSetup:
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        setup = TeamSetup(database)
        if already_granted(connection):
            if not force:
                raise StoreError(f"Database {database} is already set up for a team.",
                                 "Run 'qualcode team init URL --force' to revoke and grant the privileges "
                                 "anew (e.g. after a schema upgrade) or to change a login's role.")
            setup.regranted = True
        for group in GROUPS.values():
            if not _role_exists(connection, group):
                connection.execute(text(f"CREATE ROLE {quote(group)} NOLOGIN"))
                setup.groups_created.append(group)
        tables = sorted(inspect(connection).get_table_names())
        setup.tables = len(tables)
        everyone = ", ".join(quote(g) for g in GROUPS.values())
        connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {everyone}"))
        connection.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {everyone}"))
        connection.execute(text(f"GRANT CONNECT ON DATABASE {quote(database)} TO {everyone}"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {everyone}"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {everyone}"))
        writers = f"{quote(GROUPS['coder'])}, {quote(GROUPS['supervisor'])}"
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {writers}"))
        connection.execute(text(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                                f"TO {quote(GROUPS['supervisor'])}"))
        for table, privileges in CODER_WRITES.items():
            if table in tables:
                connection.execute(text(f"GRANT {privileges} ON {quote(table)} TO {quote(GROUPS['coder'])}"))
        for table, columns in CODER_COLUMN_UPDATES.items():
            if table in tables:
                listed = ", ".join(quote(c) for c in columns)
                connection.execute(text(f"GRANT UPDATE ({listed}) ON {quote(table)} TO {quote(GROUPS['coder'])}"))
        # Tables and sequences a later upgrade creates: readable by all, writable by supervisors.
        connection.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {everyone}"))
        connection.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT, UPDATE, DELETE "
                                f"ON TABLES TO {quote(GROUPS['supervisor'])}"))
        connection.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT "
                                f"ON SEQUENCES TO {writers}"))
        for login, role in users:
            group = GROUPS[role]
            if _role_exists(connection, login):
                if not force:
                    raise StoreError(f"The database login '{login}' exists already.",
                                     "Pass --force to make it a member of only the group given here.")
                for other in GROUPS.values():
                    if other != group:
                        connection.execute(text(f"REVOKE {quote(other)} FROM {quote(login)}"))
                connection.execute(text(f"GRANT {quote(group)} TO {quote(login)}"))
                setup.users_changed.append(login)
            else:
                connection.execute(text(f"CREATE ROLE {quote(login)} LOGIN IN ROLE {quote(group)}"))
                setup.users_created.append(login)
    return setup
