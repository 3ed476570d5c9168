"""The project store and its unit of work.

:class:`Store` opens (and if needed creates and migrates) a project. Services use
``store.unit_of_work()`` for every user action: one transaction, committed once when
the block ends, rolled back on any error. Repositories never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from qualcode import __version__
from qualcode.errors import StoreError
from qualcode.storage import engine as engines
from qualcode.storage import migrate
from qualcode.storage.repositories.agreement import AgreementRepository
from qualcode.storage.repositories.codebooks import CodebookRepository
from qualcode.storage.repositories.codings import CodingRepository
from qualcode.storage.repositories.documents import DocumentRepository
from qualcode.storage.repositories.embeddings import EmbeddingRepository
from qualcode.storage.repositories.events import EventRepository
from qualcode.storage.repositories.lexicon import LexiconRepository
from qualcode.storage.repositories.matrix import MatrixRepository
from qualcode.storage.repositories.memos import MemoRepository
from qualcode.storage.repositories.people import CoderRepository, SettingsRepository
from qualcode.storage.repositories.search import SearchRepository
from qualcode.storage.repositories.topics import TopicRepository
from qualcode.storage.repositories.words import WordRepository
from qualcode.storage.schema import ProjectRow


@dataclass
class UnitOfWork:
    """Repositories sharing one session, i.e. one transaction."""

    session: Session
    dialect: str

    def __post_init__(self) -> None:
        self.documents = DocumentRepository(self.session)
        self.agreement = AgreementRepository(self.session)
        self.codebooks = CodebookRepository(self.session)
        self.codings = CodingRepository(self.session)
        self.memos = MemoRepository(self.session)
        self.events = EventRepository(self.session)
        self.coders = CoderRepository(self.session)
        self.settings = SettingsRepository(self.session)
        self.search = SearchRepository(self.session, self.dialect)
        self.embeddings = EmbeddingRepository(self.session)
        self.matrix = MatrixRepository(self.session)
        self.topics = TopicRepository(self.session)
        self.lexicon = LexiconRepository(self.session)
        self.words = WordRepository(self.session)

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

    def close(self) -> None:
        self.engine.dispose()
