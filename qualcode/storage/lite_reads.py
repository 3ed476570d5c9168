"""The reads of ``docs`` and ``retrieve`` over a light reader (:mod:`qualcode.storage.lite`).

:class:`LiteStore` stands in for :class:`qualcode.storage.store.Store` where a command
only reads: its unit of work offers the few repositories those commands use, with the
same method names, the same SQL as the store's repositories (the statements SQLAlchemy
sends for them, written out) and the same records of :mod:`qualcode.core`, so the
services and the printing code are shared and the answers are the same.

Whatever is not here (another repository, a filter by saved passage sets) raises
:class:`NeedsFullStore`, as does any error of SQLite itself: the caller then does the
whole read again on the full store, which answers it or explains the error in its own
words. Nothing here writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from qualcode.core.model import CodedPassage, Coder, DocumentSummary, SegmentKind
from qualcode.storage.records import coded_passages

if TYPE_CHECKING:  # the records of codebooks and pseudonyms are imported where they are read
    from qualcode.core.codebook import Code, Codebook
    from qualcode.core.pseudonyms import Pseudonym
    from qualcode.storage.lite import LiteReader
    from qualcode.storage.records import CodingFilter


class NeedsFullStore(Exception):
    """A read the light path does not make: the full store must make it."""


def timestamp(value: str | None) -> datetime | None:
    """A stored timestamp as the store reads it back (SQLite keeps ISO text)."""
    return None if value is None else datetime.fromisoformat(value)


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class LiteRepository:
    """A repository over the reader's connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, tuple(parameters)).fetchall()

    def attributes_of(self, owner: str, ids: Collection[int] | None = None) -> dict[int, dict[str, str]]:
        """The attributes of every ``owner`` (``document`` or ``speaker``), or of those in ``ids``."""
        table, column = f"{owner}_attributes", f"{owner}_id"
        sql = f'SELECT {table}.{column}, {table}."key", {table}.value FROM {table}'
        parameters = [] if ids is None else list(ids)
        if ids is not None:
            sql += f" WHERE {table}.{column} IN ({marks(parameters)})"
        result: dict[int, dict[str, str]] = {}
        for owner_id, key, value in self.connection.execute(sql, parameters):
            result.setdefault(owner_id, {})[key] = value
        return result


class LiteDocuments(LiteRepository):
    # Every column the ORM would load but the text, which no summary needs.
    COLUMNS = ("documents.id, documents.name, documents.sha256, documents.format, documents.language, "
               "documents.word_count, documents.imported_at")

    def find_by_name(self, name: str) -> DocumentSummary | None:
        row = self.connection.execute(f"SELECT {self.COLUMNS} FROM documents WHERE documents.name = ?",
                                      (name,)).fetchone()
        return self._summary(row) if row else None

    def attributes(self, document_id: int) -> dict[str, str]:
        rows = self.connection.execute(
            'SELECT document_attributes."key", document_attributes.value FROM document_attributes '
            'WHERE document_attributes.document_id = ? ORDER BY document_attributes."key"', (document_id,))
        return {k: v for k, v in rows}

    def all_attributes(self) -> dict[int, dict[str, str]]:
        return self.attributes_of("document")

    def attribute_keys(self) -> set[str]:
        """Every attribute key a document or a speaker has: what an --attr filter can name."""
        rows = self.connection.execute('SELECT DISTINCT "key" FROM document_attributes '
                                       'UNION SELECT DISTINCT "key" FROM speaker_attributes')
        return {key for (key,) in rows}

    def list(self) -> list[DocumentSummary]:
        rows = self.connection.execute(f"SELECT {self.COLUMNS} FROM documents ORDER BY documents.name").fetchall()
        attributes = self.all_attributes()
        counts = self._counts()
        return [self._summary(row, attributes.get(row[0], {}), counts.get(row[0])) for row in rows]

    def _counts(self, only: Sequence[int] | None = None) -> dict[int, tuple[int, int, int]]:
        def per_document(table: str, where: str = "", params: tuple[Any, ...] = ()) -> dict[int, int]:
            conditions = [where] if where else []
            if only is not None:
                conditions.append(f"{table}.document_id IN ({marks(only)})")
                params = (*params, *only)
            clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            return dict(self.connection.execute(
                f"SELECT {table}.document_id, count(*) AS count_1 FROM {table}{clause} "
                f"GROUP BY {table}.document_id", params).fetchall())

        turn_counts = per_document("turns")
        sentence_counts = per_document("segments", "segments.kind = ?", (str(SegmentKind.SENTENCE),))
        speaker_counts = per_document("speakers")
        ids = set(turn_counts) | set(sentence_counts) | set(speaker_counts)
        return {i: (turn_counts.get(i, 0), sentence_counts.get(i, 0), speaker_counts.get(i, 0)) for i in ids}

    def _summary(self, row: tuple[Any, ...], attributes: dict[str, str] | None = None,
                 counts: tuple[int, int, int] | None = None) -> DocumentSummary:
        doc_id, name, sha256, format_, language, word_count, imported_at = row
        if attributes is None:
            attributes = self.attributes(doc_id)
        if counts is None:
            counts = self._counts([doc_id]).get(doc_id, (0, 0, 0))
        return DocumentSummary(
            id=doc_id, name=name, format=format_, language=language, sha256=sha256,
            imported_at=timestamp(imported_at), word_count=word_count,  # type: ignore[arg-type]
            attributes=attributes, turn_count=counts[0], sentence_count=counts[1], speaker_count=counts[2],
        )


class LiteCoders(LiteRepository):
    def find(self, name: str) -> Coder | None:
        """The coder of that name; a name merged into another coder stands for that coder."""
        row = self.connection.execute("SELECT coders.id, coders.name, coders.merged_into FROM coders "
                                      "WHERE coders.name = ?", (name,)).fetchone()
        if row is not None and row[2] is not None:
            row = self.connection.execute("SELECT coders.id, coders.name, coders.merged_into FROM coders "
                                          "WHERE coders.id = ?", (row[2],)).fetchone()
        return Coder(row[0], row[1]) if row else None

    def list(self) -> list[Coder]:
        return [Coder(i, name) for i, name in self.connection.execute(
            "SELECT coders.id, coders.name FROM coders WHERE coders.merged_into IS NULL ORDER BY coders.name")]


class LiteCodebooks(LiteRepository):
    CODE_COLUMNS = ('codes.id, codes.codebook_id, codes."key", codes.label_en, codes.label_sv, codes.parent_id, '
                    "codes.definition, codes.inclusion, codes.exclusion, codes.examples, codes.colour, "
                    "codes.shortcut, codes.active")
    BOOK_COLUMNS = "codebooks.id, codebooks.slug, codebooks.name, codebooks.version, codebooks.languages, " \
                   "codebooks.description"

    @staticmethod
    def _code(row: tuple[Any, ...]) -> Code:
        from qualcode.core.codebook import Code

        (code_id, book_id, key, label_en, label_sv, parent_id, definition, inclusion, exclusion, examples,
         colour, shortcut, active) = row
        return Code(id=code_id, codebook_id=book_id, key=key, label_en=label_en, label_sv=label_sv,
                    parent_id=parent_id, definition=definition, inclusion=inclusion, exclusion=exclusion,
                    examples=tuple(_json(examples) or ()), colour=colour, shortcut=shortcut,
                    active=None if active is None else bool(active))  # type: ignore[arg-type]

    @staticmethod
    def _codebook(row: tuple[Any, ...]) -> Codebook:
        from qualcode.core.codebook import Codebook

        book_id, slug, name, version, languages, description = row
        return Codebook(id=book_id, slug=slug, name=name, version=version,
                        languages=tuple(x for x in languages.split(",") if x), description=description)

    def get_by_slug(self, slug: str) -> Codebook | None:
        row = self.connection.execute(f"SELECT {self.BOOK_COLUMNS} FROM codebooks WHERE codebooks.slug = ?",
                                      (slug,)).fetchone()
        return self._codebook(row) if row else None

    def list(self) -> list[Codebook]:
        return [self._codebook(r) for r in self.connection.execute(
            f"SELECT {self.BOOK_COLUMNS} FROM codebooks ORDER BY codebooks.id")]

    def codes(self, codebook_id: int | None = None, *, include_inactive: bool = False) -> list[Code]:
        conditions, params = [], []
        if codebook_id is not None:
            conditions.append("codes.codebook_id = ?")
            params.append(codebook_id)
        if not include_inactive:
            conditions.append("codes.active IS 1")
        clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return [self._code(r) for r in self.connection.execute(
            f"SELECT {self.CODE_COLUMNS} FROM codes{clause} ORDER BY codes.codebook_id, codes.position, codes.id",
            params)]

    def find_codes(self, key: str, codebook_id: int | None = None) -> list[Code]:
        query, params = f'SELECT {self.CODE_COLUMNS} FROM codes WHERE codes."key" = ?', [key]
        if codebook_id is not None:
            query += " AND codes.codebook_id = ?"
            params.append(codebook_id)
        return [self._code(r) for r in self.connection.execute(query, params)]


class LiteCodings(LiteRepository):
    @staticmethod
    def _filtered(flt: CodingFilter) -> tuple[str, list[Any], str, list[Any]]:
        """The joins and conditions of ``flt``, each with its parameters in the text's order."""
        if flt.passage_set_ids is not None:
            raise NeedsFullStore("codings overlapping saved passage sets")
        conditions: list[str] = []
        params: list[Any] = []
        for column, values in (("code_id", flt.code_ids), ("coder_id", flt.coder_ids),
                               ("document_id", flt.document_ids), ("origin", flt.origins),
                               ("id", flt.coding_ids)):
            if values is not None:
                values = list(values)
                if not values:
                    raise NeedsFullStore("an empty list of values")  # SQLAlchemy's own empty IN
                conditions.append(f"codings.{column} IN ({marks(values)})")
                params += values
        joins: list[str] = []
        join_params: list[Any] = []
        for number, (key, values) in enumerate(flt.attributes.items(), start=1):
            values = list(values)
            if not values:
                raise NeedsFullStore("an attribute filter without values")
            sa, da = f"speaker_attributes_{number}", f"document_attributes_{number}"
            joins.append(f"LEFT OUTER JOIN speaker_attributes AS {sa} ON {sa}.speaker_id = codings.speaker_id "
                         f'AND {sa}."key" = ? '
                         f"LEFT OUTER JOIN document_attributes AS {da} ON {da}.document_id = codings.document_id "
                         f'AND {da}."key" = ?')
            join_params += [key, key]
            conditions.append(f"coalesce({sa}.value, {da}.value) IN ({marks(values)})")
            params += values
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return (" " + " ".join(joins) if joins else ""), join_params, where, params

    def count(self, flt: CodingFilter) -> int:
        joins, join_params, where, params = self._filtered(flt)
        row = self.connection.execute(f"SELECT count(codings.id) AS count_1 FROM codings{joins}{where}",
                                      [*join_params, *params]).fetchone()
        return int(row[0] or 0)

    def passages(self, flt: CodingFilter, *, limit: int | None = 50, offset: int = 0,
                 context: int = 0) -> list[CodedPassage]:
        """Codings with their text, a little context either side, and attribution."""
        joins, join_params, where, params = self._filtered(flt)
        columns = ("codings.id, codings.document_id, documents.name, codings.code_id, codes.\"key\", "
                   "codes.label_en, coders.name AS name_1, codings.start, codings.\"end\", codings.origin, "
                   "speakers.label, codings.speaker_id, codings.weight, "
                   "substr(documents.text, codings.start + ?, codings.\"end\" - codings.start) AS substr_1")
        column_params: list[Any] = [1]
        if context:
            before_start = "CASE WHEN (codings.start > ?) THEN codings.start - ? ELSE ? END"
            columns += (f", substr(documents.text, {before_start} + ?, codings.start - {before_start}) AS substr_2"
                        ", substr(documents.text, codings.\"end\" + ?, ?) AS substr_3")
            column_params += [context, context, 0, 1, context, context, 0, 1, context]
        else:
            columns += ", ? AS anon_1, ? AS anon_2"
            column_params += ["", ""]
        query = (f"SELECT {columns} FROM codings JOIN documents ON documents.id = codings.document_id "
                 "JOIN codes ON codes.id = codings.code_id JOIN coders ON coders.id = codings.coder_id "
                 f"LEFT OUTER JOIN speakers ON speakers.id = codings.speaker_id{joins}{where} "
                 "ORDER BY codings.document_id, codings.start, codings.id")
        all_params = [*column_params, *join_params, *params]
        if limit is not None:
            query += " LIMIT ? OFFSET ?"
            all_params += [limit, offset]
        rows = self.connection.execute(query, all_params).fetchall()
        doc_attrs = self._attributes_for({r[1] for r in rows}, {r[11] for r in rows if r[11]})
        return coded_passages(rows, *doc_attrs)

    def _attributes_for(self, document_ids: set[int], speaker_ids: set[int]
                        ) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
        return (self.attributes_of("document", document_ids) if document_ids else {},
                self.attributes_of("speaker", speaker_ids) if speaker_ids else {})


class LiteSettings(LiteRepository):
    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.connection.execute('SELECT settings."key", settings.value FROM settings '
                                      'WHERE settings."key" = ?', (key,)).fetchone()
        return row[1] if row else default


class LitePseudonyms(LiteRepository):
    def entries(self) -> list[Pseudonym]:
        from qualcode.core.pseudonyms import Pseudonym

        return [Pseudonym(original, replacement, category, tuple(_json(forms) or ()))
                for original, replacement, category, forms in self.connection.execute(
                    "SELECT pseudonyms.original, pseudonyms.replacement, pseudonyms.category, pseudonyms.forms "
                    "FROM pseudonyms ORDER BY pseudonyms.original")]


class LiteUnitOfWork:
    """The repositories ``docs`` and ``retrieve`` read, over one read transaction."""

    dialect = "sqlite"
    read_only = True

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @cached_property
    def documents(self) -> LiteDocuments:
        return LiteDocuments(self.connection)

    @cached_property
    def coders(self) -> LiteCoders:
        return LiteCoders(self.connection)

    @cached_property
    def codebooks(self) -> LiteCodebooks:
        return LiteCodebooks(self.connection)

    @cached_property
    def codings(self) -> LiteCodings:
        return LiteCodings(self.connection)

    @cached_property
    def settings(self) -> LiteSettings:
        return LiteSettings(self.connection)

    @cached_property
    def pseudonyms(self) -> LitePseudonyms:
        return LitePseudonyms(self.connection)

    def __getattr__(self, name: str) -> Any:  # any other repository: the full store's
        raise NeedsFullStore(name)


class LiteStore:
    """The reading half of a store, over a :class:`LiteReader`."""

    dialect = "sqlite"
    read_only = True

    def __init__(self, reader: LiteReader) -> None:
        self.reader = reader
        self.path = reader.path
        reader.connection.isolation_level = None  # transactions begun here, as the store's are

    @contextmanager
    def unit_of_work(self) -> Iterator[LiteUnitOfWork]:
        """One read transaction, like a unit of work of the store; an error of SQLite
        itself is left to the full store to meet and explain."""
        connection = self.reader.connection
        try:
            connection.execute("BEGIN")
            try:
                yield LiteUnitOfWork(connection)
            finally:
                connection.execute("ROLLBACK")  # nothing was written: nothing to commit
        except sqlite3.Error as exc:
            raise NeedsFullStore(str(exc)) from exc

    def __getattr__(self, name: str) -> Any:  # engine, location, after_commit...: the full store's
        raise NeedsFullStore(name)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> LiteStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
