"""The project store and its unit of work.

:class:`Store` opens (and if needed creates and migrates) a project. Services use
``store.unit_of_work()`` for every user action: one transaction, committed once when
the block ends, rolled back on any error. Repositories never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from qualcode import __version__
from qualcode.errors import StoreError
from qualcode.storage import engine as engines
from qualcode.storage import migrate
from qualcode.storage.schema import ProjectRow

if TYPE_CHECKING:
    from qualcode.storage.repositories.agreement import AgreementRepository
    from qualcode.storage.repositories.codebooks import CodebookRepository
    from qualcode.storage.repositories.codings import CodingRepository
    from qualcode.storage.repositories.documents import DocumentRepository
    from qualcode.storage.repositories.embeddings import EmbeddingRepository
    from qualcode.storage.repositories.events import EventRepository
    from qualcode.storage.repositories.matrix import MatrixRepository
    from qualcode.storage.repositories.memos import MemoRepository
    from qualcode.storage.repositories.people import CoderRepository, SettingsRepository
    from qualcode.storage.repositories.search import SearchRepository
    from qualcode.storage.repositories.topics import TopicRepository


@dataclass
class UnitOfWork:
    """Repositories sharing one session, i.e. one transaction."""

    session: Session
    dialect: str

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
    def events(self) -> EventRepository:
        from qualcode.storage.repositories.events import EventRepository

        return EventRepository(self.session)

    @cached_property
    def coders(self) -> CoderRepository:
        from qualcode.storage.repositories.people import CoderRepository

        return CoderRepository(self.session)

    @cached_property
    def settings(self) -> SettingsRepository:
        from qualcode.storage.repositories.people import SettingsRepository

        return SettingsRepository(self.session)

    @cached_property
    def search(self) -> SearchRepository:
        from qualcode.storage.repositories.search import SearchRepository

        return SearchRepository(self.session, self.dialect)

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

    def flush(self) -> None:
        self.session.flush()


class Store:
    """A qualcode project: where it lives and how to start a unit of work there."""

    def __init__(self, location: engines.Location, engine: Engine) -> None:
        self.location = location
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.backup_path: Path | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, target: str | Path, *, create: bool = False, name: str | None = None) -> Store:
        """Open a project, creating it when ``create`` is true, upgrading it if old."""
        location = engines.locate(target)
        if location.path is not None:
            engines.check_sqlite_file(location.path, must_exist=not create)
        engine = engines.make_engine(location)
        store = cls(location, engine)
        try:
            store._prepare(create=create, name=name)
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"Cannot open the project at {location.display()}: {exc.orig}",
                             "Check that the file or database server is reachable.") from exc
        except BaseException:
            engine.dispose()
            raise
        return store

    def _prepare(self, *, create: bool, name: str | None) -> None:
        fresh = not engines.has_tables(self.engine)
        if fresh and not create:
            raise StoreError(f"{self.location.display()} holds no qualcode project.",
                             "Create one with 'qualcode init'.")
        current = None if fresh else migrate.current_revision(self.engine)
        if not fresh and current is None:
            raise StoreError(f"{self.location.display()} is a database, but not a qualcode project.")
        head = migrate.head_revision()
        if current != head:
            if current is not None and self.location.path is not None:
                self.backup_path = engines.backup_sqlite(self.location.path)
            try:
                migrate.upgrade(self.engine)
            except Exception as exc:  # the backup is the user's way back
                where = f" A copy made before the upgrade is at {self.backup_path}." if self.backup_path else ""
                raise StoreError(f"Upgrading the project schema failed: {exc}.{where}") from exc
        if self.location.is_sqlite:
            engines.stamp_application_id(self.engine)
        if fresh:
            with self.unit_of_work() as uow:
                project_name = name or (self.location.path.stem if self.location.path else "project")
                uow.session.add(ProjectRow(name=project_name, created_with=f"qualcode {__version__}"))

    def project_name(self) -> str:
        with self.unit_of_work() as uow:
            row = uow.session.scalars(select(ProjectRow).limit(1)).first()
            return row.name if row else "project"

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        session = self._sessions()
        try:
            yield UnitOfWork(session, self.dialect)
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StoreError(f"The project store refused the change: {exc.orig}",
                             "If another program holds the project, try again in a moment.") from exc
        except DBAPIError as exc:
            session.rollback()
            raise StoreError(f"The project store refused the change: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def refresh_statistics(self) -> None:
        """Let PostgreSQL's planner see a bulk write at once (no-op on SQLite).

        Right after an import PostgreSQL has no statistics for the new rows and plans
        counts as if a table held a handful of them: a nested loop over 200,000 codings took
        1.1 s where the plan made after ANALYZE took 0.2 s. Autovacuum would get there
        in time; the user counts right away.
        """
        if self.dialect != "postgresql":
            return
        with self.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()

    def close(self) -> None:
        self.engine.dispose()
