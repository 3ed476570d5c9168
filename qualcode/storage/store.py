"""The project store and its unit of work.

:class:`Store` opens (and if needed creates and migrates) a project. Services use
``store.unit_of_work()`` for every user action: one transaction, committed once when
the block ends, rolled back on any error. Repositories never commit.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from qualcode import __version__
from qualcode.errors import StoreError
from qualcode.storage import locations

P = ParamSpec("P")
T = TypeVar("T")

# Tables a unit of work asks to have vacuumed once it has committed (PostgreSQL only; the
# repositories set it in session.info after a bulk write).
VACUUM_AFTER_COMMIT = "vacuum_after_commit"

# What the code tree, the document list and retrieval count in: vacuumed after a bulk write.
COUNTED_TABLES = ("documents", "turns", "segments", "codings")

_NOT_WORK = frozenset({"settings", "coders", "embeddings", "embedding_models", "search_pending",
                       "search_text"})

# SQLAlchemy, the engine, the migrations and the table mapping are imported when a store is
# opened, not when this module is: services and screens import this module for its types,
# and the workbench draws its first screen before any of them is needed.
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm import Session

    from qualcode.storage.repositories.agreement import AgreementRepository
    from qualcode.storage.repositories.codebooks import CodebookRepository
    from qualcode.storage.repositories.coder_work import CoderWorkRepository
    from qualcode.storage.repositories.codings import CodingRepository
    from qualcode.storage.repositories.documents import DocumentRepository
    from qualcode.storage.repositories.embeddings import EmbeddingRepository
    from qualcode.storage.repositories.events import EventRepository
    from qualcode.storage.repositories.exchange_guids import ExchangeGuidRepository
    from qualcode.storage.repositories.lexicon import LexiconRepository
    from qualcode.storage.repositories.matrix import MatrixRepository
    from qualcode.storage.repositories.memos import MemoRepository
    from qualcode.storage.repositories.merging import MergeRepository
    from qualcode.storage.repositories.people import CoderRepository, SettingsRepository
    from qualcode.storage.repositories.pseudonyms import PseudonymRepository
    from qualcode.storage.repositories.search import SearchRepository
    from qualcode.storage.repositories.sets import SavedQueryRepository, SetRepository
    from qualcode.storage.repositories.topics import TopicRepository
    from qualcode.storage.repositories.words import WordRepository


@dataclass
class UnitOfWork:
    """Repositories sharing one session, i.e. one transaction."""

    session: Session
    dialect: str
    read_only: bool = False

    # Each repository is made (and its module imported) on first use: a command that lists
    # documents need not load the topic or agreement tables' code.
    @cached_property
    def documents(self) -> DocumentRepository:
        from qualcode.storage.repositories.documents import DocumentRepository

        return DocumentRepository(self.session)

    @cached_property
    def agreement(self) -> AgreementRepository:
        from qualcode.storage.repositories.agreement import AgreementRepository

        return AgreementRepository(self.session)

    @cached_property
    def codebooks(self) -> CodebookRepository:
        from qualcode.storage.repositories.codebooks import CodebookRepository

        return CodebookRepository(self.session)

    @cached_property
    def codings(self) -> CodingRepository:
        from qualcode.storage.repositories.codings import CodingRepository

        return CodingRepository(self.session)

    @cached_property
    def memos(self) -> MemoRepository:
        from qualcode.storage.repositories.memos import MemoRepository

        return MemoRepository(self.session)

    @cached_property
    def merging(self) -> MergeRepository:
        from qualcode.storage.repositories.merging import MergeRepository

        return MergeRepository(self.session)

    @cached_property
    def events(self) -> EventRepository:
        from qualcode.storage.repositories.events import EventRepository

        return EventRepository(self.session)

    @cached_property
    def coders(self) -> CoderRepository:
        from qualcode.storage.repositories.people import CoderRepository

        return CoderRepository(self.session)

    @cached_property
    def coder_work(self) -> CoderWorkRepository:
        from qualcode.storage.repositories.coder_work import CoderWorkRepository

        return CoderWorkRepository(self.session)

    @cached_property
    def settings(self) -> SettingsRepository:
        from qualcode.storage.repositories.people import SettingsRepository

        return SettingsRepository(self.session)

    @cached_property
    def search(self) -> SearchRepository:
        from qualcode.storage.repositories.search import SearchRepository

        return SearchRepository(self.session, self.dialect, self.read_only)

    @cached_property
    def embeddings(self) -> EmbeddingRepository:
        from qualcode.storage.repositories.embeddings import EmbeddingRepository

        return EmbeddingRepository(self.session)

    @cached_property
    def matrix(self) -> MatrixRepository:
        from qualcode.storage.repositories.matrix import MatrixRepository

        return MatrixRepository(self.session)

    @cached_property
    def topics(self) -> TopicRepository:
        from qualcode.storage.repositories.topics import TopicRepository

        return TopicRepository(self.session)

    @cached_property
    def exchange_guids(self) -> ExchangeGuidRepository:
        from qualcode.storage.repositories.exchange_guids import ExchangeGuidRepository

        return ExchangeGuidRepository(self.session)

    @cached_property
    def lexicon(self) -> LexiconRepository:
        from qualcode.storage.repositories.lexicon import LexiconRepository

        return LexiconRepository(self.session)

    @cached_property
    def words(self) -> WordRepository:
        from qualcode.storage.repositories.words import WordRepository

        return WordRepository(self.session)

    @cached_property
    def pseudonyms(self) -> PseudonymRepository:
        from qualcode.storage.repositories.pseudonyms import PseudonymRepository

        return PseudonymRepository(self.session)

    @cached_property
    def saved_queries(self) -> SavedQueryRepository:
        from qualcode.storage.repositories.sets import SavedQueryRepository

        return SavedQueryRepository(self.session)

    @cached_property
    def sets(self) -> SetRepository:
        from qualcode.storage.repositories.sets import SetRepository

        return SetRepository(self.session)

    def flush(self) -> None:
        self.session.flush()

    def content_counts(self) -> dict[str, int]:
        """Rows per table of a project's content, and the newest event's id.

        Leaves out what is not anyone's work: settings, coder names, caches of
        embeddings and the search queue. Two equal results mean nobody has changed
        the project's content in between.
        """
        from sqlalchemy import func, inspect, select

        from qualcode.storage.schema import Base, EventRow

        present = set(inspect(self.session.connection()).get_table_names())
        counts = {}
        for table in Base.metadata.sorted_tables:
            if table.name in _NOT_WORK or table.name not in present:
                continue
            counts[table.name] = int(self.session.scalar(select(func.count()).select_from(table)) or 0)
        counts["last_event"] = int(self.session.scalar(select(func.max(EventRow.id))) or 0)
        return counts

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Changes that the database may refuse: on refusal they alone are rolled back.

        Raises :class:`StoreError` saying what the database refused; the rest of the
        unit of work stays and can still commit.
        """
        from sqlalchemy.exc import IntegrityError

        nested = self.session.begin_nested()
        try:
            yield
            self.session.flush()
        except IntegrityError as exc:
            nested.rollback()
            raise StoreError(f"The project store refused the change: {exc.orig}") from exc
        except BaseException:
            nested.rollback()
            raise
        nested.commit()


class Store:
    """A qualcode project: where it lives and how to start a unit of work there."""

    def __init__(self, location: locations.Location, engine: Engine,
                 mode: locations.OpenMode = locations.OpenMode.READ_WRITE) -> None:
        from sqlalchemy.orm import sessionmaker

        self.location = location
        self.engine = engine
        self.mode = mode
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Called after each commit of this store (from the committing thread): how a watch
        # for other writers' commits learns of this program's own.
        self.after_commit: list[Callable[[], None]] = []
        self.backup_path: Path | None = None
        self._no_upgrade = False

    @property
    def read_only(self) -> bool:
        """True when this user may not write the project file or its folder."""
        return not self.mode.writable

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, target: str | Path, *, create: bool = False, name: str | None = None,
             read_only: bool = False) -> Store:
        """Open a project, creating it when ``create`` is true, upgrading it if old.

        ``read_only`` opens a SQLite file with ``mode=ro`` even when it could be written,
        and refuses (rather than runs) a schema upgrade on any database.
        """
        from sqlalchemy.exc import DBAPIError

        from qualcode.storage import engine as engines

        location = locations.locate(target)
        mode = locations.OpenMode.READ_WRITE
        if location.path is not None:
            locations.check_sqlite_file(location.path, must_exist=not create)
            mode = locations.sqlite_open_mode(location.path)
            if not create and location.path.stat().st_size == 0:
                # Refused before SQLite connects: connecting would write a header into it.
                raise StoreError(f"{location.path} is empty (0 bytes): it holds no qualcode project.",
                                 "Create a project in it with 'qualcode init PATH', or pass the right file.")
            if read_only and mode.writable:
                mode = locations.OpenMode.READ_ONLY
            if create and not mode.writable and location.path.stat().st_size == 0:
                raise StoreError(f"Cannot create a project in {location.path}: permission denied.",
                                 "Choose a file in a folder you may write.")
        engine = engines.make_engine(location, mode)
        store = cls(location, engine, mode)
        store._no_upgrade = read_only
        try:
            store._prepare(create=create, name=name)
        except DBAPIError as exc:
            engine.dispose()
            raise store.database_error(exc, opening=True) from exc
        except BaseException:
            engine.dispose()
            raise
        return store

    def _prepare(self, *, create: bool, name: str | None) -> None:
        from qualcode.storage import engine as engines
        from qualcode.storage import migrate
        from qualcode.storage.schema import ProjectRow

        fresh = not engines.has_tables(self.engine)
        if fresh and not create:
            raise StoreError(f"{self.location.display()} holds no qualcode project.",
                             "Create one with 'qualcode init'.")
        current = None if fresh else migrate.current_revision(self.engine)
        if not fresh and current is None:
            raise StoreError(f"{self.location.display()} is a database, but not a qualcode project "
                             "(it has tables, none of them qualcode's).",
                             "Pass the project made by 'qualcode init'; qualcode never writes into another "
                             "program's database.")
        head = migrate.head_revision()
        if current != head and self._no_upgrade:
            raise StoreError(f"{self.location.display()} needs a schema upgrade (from {current} to {head}) "
                             "before it can be checked.", "Open it once with any command; a .bak copy is kept.")
        if current != head and self.read_only:
            raise StoreError(f"{self.location.display()} was made by an older qualcode and needs a "
                             "schema upgrade, but you may not write it (read-only file or folder).",
                             "Open it once with write permission, or work on a copy: cp PROJECT COPY.")
        if current != head:
            if current is not None and self.location.path is not None:
                self.backup_path = locations.backup_sqlite(self.location.path)
            try:
                migrate.upgrade(self.engine)
            except Exception as exc:  # the backup is the user's way back
                where = f" A copy made before the upgrade is at {self.backup_path}." if self.backup_path else ""
                raise StoreError(f"Upgrading the project schema failed: {exc}.{where}") from exc
        if self.location.is_sqlite and not self.read_only:
            engines.stamp_application_id(self.engine)
        if fresh:
            with self.unit_of_work() as uow:
                project_name = name or (self.location.path.stem if self.location.path else "project")
                uow.session.add(ProjectRow(name=project_name, created_with=f"qualcode {__version__}"))

    def project_name(self) -> str:
        from sqlalchemy import select

        from qualcode.storage.schema import ProjectRow

        with self.unit_of_work() as uow:
            row = uow.session.scalars(select(ProjectRow).limit(1)).first()
            return row.name if row else "project"

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        from sqlalchemy.exc import DBAPIError

        session = self._sessions()
        try:
            yield UnitOfWork(session, self.dialect, self.read_only)
            vacuum = sorted(session.info.pop(VACUUM_AFTER_COMMIT, ()))
            session.commit()
            if vacuum:
                self.refresh_statistics(vacuum=vacuum)
            for listener in list(self.after_commit):
                listener()
        except DBAPIError as exc:
            session.rollback()
            raise self.database_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def database_error(self, exc: DBAPIError, *, opening: bool = False) -> StoreError:
        """The StoreError that says what a database error means for this project."""
        return translate_database_error(self.location, self.mode, exc, opening=opening)

    def refresh_statistics(self, *, vacuum: Sequence[str] | None = None) -> None:
        """Let PostgreSQL's planner see a bulk write at once (no-op on SQLite).

        Right after an import PostgreSQL has no statistics for the new rows and plans
        counts as if a table held a handful of them: a nested loop over 200,000 codings took
        1.1 s where the plan made after ANALYZE took 0.2 s. Autovacuum would get there
        in time; the user counts right away. The tables every screen counts in are also
        vacuumed, which marks their pages all-visible, so that a count reads an index alone
        (an index-only scan: 0.2 ms against 1.4 ms for one code's 2,000 codings). With
        ``vacuum``, only those tables, vacuumed and analyzed.
        """
        if self.dialect != "postgresql":
            return
        from sqlalchemy import text

        # VACUUM runs outside a transaction.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in (COUNTED_TABLES if vacuum is None else vacuum):
                connection.execute(text(f'VACUUM ANALYZE "{table}"'))
            if vacuum is None:
                connection.execute(text("ANALYZE"))

    def close(self) -> None:
        self.engine.dispose()


# PostgreSQL's SQLSTATEs: a serialization failure or deadlock (the transaction may simply
# run again) and a privilege the login lacks.
RETRY_STATES = frozenset({"40001", "40P01"})
_INSUFFICIENT_PRIVILEGE = "42501"


class RetryableError(StoreError):
    """The database rolled the change back and asks for it to be tried again."""


def retrying(action: Callable[P, T], *, attempts: int = 6) -> Callable[P, T]:
    """``action`` (one whole unit of work) run again when the database asks for a retry.

    PostgreSQL cancels one of two transactions that wait on each other (a deadlock) or
    that cannot both be serialised; the one cancelled has changed nothing and may run
    again. Waits a short, growing, random while between tries so the two do not meet
    again; after ``attempts`` tries the last :class:`RetryableError` is raised.
    """

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return action(*args, **kwargs)
            except RetryableError:
                if attempt == attempts:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2 ** attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    return run


# SQLite's words for a file whose pages are not what they should be.
_DAMAGE_MARKERS = ("malformed", "not a database", "disk i/o error", "database corrupt",
                   "database disk image")


def translate_database_error(location: locations.Location, mode: locations.OpenMode, exc: DBAPIError, *,
                             opening: bool = False) -> StoreError:
    """Read-only refusals, damaged files and unreachable servers, each in its own words."""
    from sqlalchemy.exc import OperationalError

    detail = str(exc.orig) if exc.orig is not None else str(exc)
    lowered = detail.lower()
    where = location.display()
    state = getattr(exc.orig, "sqlstate", None)
    if state == _INSUFFICIENT_PRIVILEGE:
        return StoreError(f"Your database login may not make this change ({detail.strip()}), so nothing was "
                          "changed.",
                          "The login's group (qualcode_reader, qualcode_coder or qualcode_supervisor) decides "
                          "what it may change; ask the database's administrator or a supervisor.")
    if state in RETRY_STATES:
        return RetryableError(f"The database asked to try the change again ({detail.strip()}); "
                              "nothing was changed.", "Try again: another coder's change crossed yours.")
    if location.is_sqlite and any(marker in lowered for marker in _DAMAGE_MARKERS):
        assert location.path is not None
        backup = location.path.with_name(location.path.name + ".bak")
        copy = (f" A copy made before the last schema upgrade is at {backup}." if backup.exists()
                else " There is no .bak copy next to it.")
        return StoreError(
            f"The project file {where} is damaged ({detail}).{copy}",
            f"Run 'qualcode check {where}' to see what is damaged; restore your last backup, or "
            "ask sqlite3 to salvage what it can: sqlite3 PROJECT .recover | sqlite3 RECOVERED.qualcode")
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(f"{where} is read-only for you: this command would change it, so nothing was changed.",
                          "Ask for write permission on the file and its folder, or work on a copy.")
    if opening and isinstance(exc, OperationalError):
        return StoreError(f"Cannot open the project at {where}: {detail}",
                          "Check that the file or database server is reachable.")
    if isinstance(exc, OperationalError):
        return StoreError(f"The project store refused the change: {detail}",
                          "If another program holds the project, try again in a moment.")
    return StoreError(f"The project store refused the change: {detail}")
