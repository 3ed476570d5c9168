"""Opening a project store: SQLite file or PostgreSQL URL, set up and migrated.

A SQLite project is one file. On open it gets foreign keys, WAL, a busy timeout and
the qualcode ``application_id``; before an automatic schema upgrade the file is copied
to ``<file>.bak``. PostgreSQL is reached through any SQLAlchemy URL.
"""

from __future__ import annotations

import sqlite3
from functools import partial

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from qualcode.errors import StoreError
from qualcode.storage.locations import (  # noqa: F401 (the engine's callers use them)
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    Location,
    OpenMode,
    backup_sqlite,
    check_sqlite_file,
    connect_read_only,
    copy_file,
    locate,
    sqlite_open_mode,
)


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object, *,
                       writable: bool = True) -> None:
    # Let SQLAlchemy issue BEGIN itself, so one unit of work is one transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if writable:  # changing the journal mode is a write
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    # IMMEDIATE takes the write lock up front: concurrent writers queue on the busy
    # timeout instead of failing half-way with "database is locked".
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_reading(connection) -> None:  # type: ignore[no-untyped-def]
    connection.exec_driver_sql("BEGIN")  # a read-only file cannot take the write lock


def make_engine(location: Location, mode: OpenMode = OpenMode.READ_WRITE) -> Engine:
    if location.is_sqlite:
        if mode.writable:
            engine = create_engine(location.url)
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            assert location.path is not None
            # "sqlite://" would mean an in-memory database, which gets a one-connection pool.
            engine = create_engine("sqlite://", creator=partial(connect_read_only, location.path, mode),
                                   poolclass=QueuePool)
            event.listen(engine, "connect", partial(_sqlite_on_connect, writable=False))
            event.listen(engine, "begin", _sqlite_begin_reading)
        return engine
    try:
        return create_engine(location.url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise StoreError(f"Cannot use database URL {location.display()}: its driver ({exc.name}) is not installed.",
                         "Write it as postgresql://USER@HOST/DATABASE: qualcode connects with psycopg.") from exc
    except (ArgumentError, SQLAlchemyError) as exc:
        raise StoreError(f"Cannot use database URL {location.display()}: {exc}") from exc


def stamp_application_id(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def has_tables(engine: Engine) -> bool:
    try:
        return bool(inspect(engine).get_table_names())
    except OperationalError as exc:
        detail = " ".join(str(exc.orig).split())  # the server's message spans indented lines
        if engine.dialect.name == "sqlite":
            raise StoreError(f"Cannot read the project store: {detail}") from exc
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"Cannot connect to the database at {where}: {detail}",
                         "Check that the server is running and reachable, and the host, port, database "
                         "name, user and password in the URL.") from exc
