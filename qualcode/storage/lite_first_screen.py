"""The workbench's first screen read with the standard library alone.

The main screen opens on the code trees with their counts, the document list and the
first document. Through the store those reads wait for the database toolkit and the
table mapping, which take longer than the terminal toolkit's own start; over a
:class:`~qualcode.storage.lite.LiteReader` they need neither.

:class:`FirstScreenReads` stands in for the store in the services that read the first
screen: its :meth:`~FirstScreenReads.unit_of_work` yields repositories with the names,
methods and results (the same :mod:`qualcode.core` records) of the store's, limited to
the reads those services make. Everything is read in one read transaction, so the first
screen is one consistent view of the project. A test compares both paths.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from qualcode.core.codebook import Code, Codebook
from qualcode.core.model import (
    Coder,
    Coding,
    CodingOrigin,
    DocumentSummary,
    Segment,
    SegmentKind,
    Speaker,
    Turn,
)
from qualcode.storage import lite
from qualcode.storage.records import CodingFilter

_DOCUMENT_COLUMNS = "id, name, format, language, sha256, imported_at, word_count"
_CODE_COLUMNS = ("id, codebook_id, key, label_en, label_sv, parent_id, definition, inclusion, exclusion, "
                 "examples, colour, shortcut, active")


def _datetime(value: object) -> datetime:
    """A stored timestamp as the store reads it back (SQLite keeps ISO text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


class _Part:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple]:  # type: ignore[type-arg]
        return self.connection.execute(sql, tuple(parameters)).fetchall()


class LiteSettings(_Part):
    def get(self, key: str, default: str | None = None) -> str | None:
        found = self.rows("SELECT value FROM settings WHERE key = ?", (key,))
        return str(found[0][0]) if found else default


class LiteCoders(_Part):
    def find(self, name: str) -> Coder | None:
        """As the store's: a name merged into another coder stands for that coder."""
        found = self.rows("SELECT id, name, merged_into FROM coders WHERE name = ? LIMIT 1", (name,))
        if found and found[0][2] is not None:
            found = self.rows("SELECT id, name, merged_into FROM coders WHERE id = ?", (found[0][2],))
        return Coder(found[0][0], found[0][1]) if found else None

    def list(self) -> list[Coder]:
        return [Coder(i, name) for i, name in
                self.rows("SELECT id, name FROM coders WHERE merged_into IS NULL ORDER BY name")]


class LiteCodebooks(_Part):
    @staticmethod
    def _codebook(row: tuple) -> Codebook:  # type: ignore[type-arg]
        i, slug, name, version, languages, description = row
        return Codebook(id=i, slug=slug, name=name, version=version,
                        languages=tuple(x for x in languages.split(",") if x), description=description)

    def list(self) -> list[Codebook]:
        return [self._codebook(r) for r in self.rows(
            "SELECT id, slug, name, version, languages, description FROM codebooks ORDER BY id")]

    def get_by_slug(self, slug: str) -> Codebook | None:
        found = self.rows("SELECT id, slug, name, version, languages, description FROM codebooks "
                          "WHERE slug = ? LIMIT 1", (slug,))
        return self._codebook(found[0]) if found else None

    def codes(self, codebook_id: int | None = None, *, include_inactive: bool = False) -> list[Code]:
        where, parameters = [], []
        if codebook_id is not None:
            where.append("codebook_id = ?")
            parameters.append(codebook_id)
        if not include_inactive:
            where.append("active = 1")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        result = []
        for (i, book, key, label_en, label_sv, parent, definition, inclusion, exclusion, examples, colour,
             shortcut, active) in self.rows(
                f"SELECT {_CODE_COLUMNS} FROM codes{clause} ORDER BY codebook_id, position, id", parameters):
            result.append(Code(
                id=i, codebook_id=book, key=key, label_en=label_en, label_sv=label_sv, parent_id=parent,
                definition=definition, inclusion=inclusion, exclusion=exclusion,
                examples=tuple((json.loads(examples) if examples is not None else None) or ()),
                colour=colour, shortcut=shortcut, active=bool(active)))
        return result

    def coding_counts(self, codebook_id: int | None = None, coder_id: int | None = None) -> dict[int, int]:
        sql, where, parameters = "SELECT codings.code_id, count(*) FROM codings", [], []
        if codebook_id is not None:
            sql += " JOIN codes ON codes.id = codings.code_id"
            where.append("codes.codebook_id = ?")
            parameters.append(codebook_id)
        if coder_id is not None:
            where.append("codings.coder_id = ?")
            parameters.append(coder_id)
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        return {code_id: n for code_id, n in self.rows(sql + " GROUP BY codings.code_id", parameters)}


class LiteCodings(_Part):
    def coder_progress(self) -> dict[tuple[int, int], int]:
        return {(d, c): n for d, c, n in self.rows(
            "SELECT document_id, coder_id, count(*) FROM codings GROUP BY document_id, coder_id")}

    def list(self, flt: CodingFilter = CodingFilter()) -> list[Coding]:
        """Codings by coders and documents, ordered as the store orders them; the first
        screen filters on nothing else."""
        unsupported = (flt.code_ids, flt.origins, flt.coding_ids, flt.passage_set_ids)
        if any(v is not None for v in unsupported) or flt.attributes:
            raise ValueError("the light first-screen reads filter codings by coder and document only")
        where, parameters = [], []
        for column, values in (("coder_id", flt.coder_ids), ("document_id", flt.document_ids)):
            if values is not None:
                where.append(f"{column} IN ({_marks(values)})" if values else "0")
                parameters.extend(values)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [Coding(i, document, code, coder, start, end, CodingOrigin(origin), _datetime(created), weight)
                for i, document, code, coder, start, end, origin, created, weight in self.rows(
                    'SELECT id, document_id, code_id, coder_id, start, "end", origin, created_at, weight '
                    f"FROM codings{clause} ORDER BY document_id, start, id", parameters)]

    def for_document(self, document_id: int, coder_ids: Sequence[int] | None = None) -> list[Coding]:
        return self.list(CodingFilter(document_ids=[document_id], coder_ids=coder_ids))


class LiteAgreement(_Part):
    def open_samples_for(self, coder_id: int) -> list[tuple[int, set[int], set[int]]]:
        """Samples the coder has not marked done: (sample id, document ids, other coder ids)."""
        result = []
        for (sample_id,) in self.rows(
                "SELECT sample_id FROM sample_coders WHERE coder_id = ? AND done_at IS NULL", (coder_id,)):
            documents = {d for (d,) in self.rows(
                "SELECT document_id FROM sample_items WHERE sample_id = ?", (sample_id,))}
            others = {c for (c,) in self.rows(
                "SELECT coder_id FROM sample_coders WHERE sample_id = ? AND coder_id != ?", (sample_id, coder_id))}
            result.append((sample_id, documents, others))
        return result


class LiteDocuments(_Part):
    def list(self) -> list[DocumentSummary]:
        rows = self.rows(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY name")
        attributes: dict[int, dict[str, str]] = {}
        for document_id, key, value in self.rows("SELECT document_id, key, value FROM document_attributes"):
            attributes.setdefault(document_id, {})[key] = value
        counts = self._counts()
        return [self._summary(row, attributes.get(row[0], {}), counts.get(row[0])) for row in rows]

    def find_by_name(self, name: str) -> DocumentSummary | None:
        found = self.rows(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE name = ? LIMIT 1", (name,))
        return self._summary(found[0]) if found else None

    def _counts(self, only: Sequence[int] | None = None) -> dict[int, tuple[int, int, int]]:
        """(turns, sentences, speakers) per document, as the store counts them."""

        def per_document(table: str, condition: str = "", parameters: Sequence[object] = ()) -> dict[int, int]:
            where = [condition] if condition else []
            if only is not None:
                where.append(f"document_id IN ({_marks(only)})" if only else "0")
                parameters = [*parameters, *only]
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            return dict(self.rows(f"SELECT document_id, count(*) FROM {table}{clause} GROUP BY document_id",
                                  parameters))

        turns = per_document("turns")
        sentences = per_document("segments", "kind = ?", (str(SegmentKind.SENTENCE),))
        speakers = per_document("speakers")
        ids = set(turns) | set(sentences) | set(speakers)
        return {i: (turns.get(i, 0), sentences.get(i, 0), speakers.get(i, 0)) for i in ids}

    def _summary(self, row: tuple, attributes: dict[str, str] | None = None,  # type: ignore[type-arg]
                 counts: tuple[int, int, int] | None = None) -> DocumentSummary:
        i, name, fmt, language, sha256, imported_at, word_count = row
        if attributes is None:
            attributes = self.attributes(i)
        if counts is None:
            counts = self._counts([i]).get(i, (0, 0, 0))
        return DocumentSummary(
            id=i, name=name, format=fmt, language=language, sha256=sha256, imported_at=_datetime(imported_at),
            word_count=word_count, attributes=attributes,
            turn_count=counts[0], sentence_count=counts[1], speaker_count=counts[2])

    def attributes(self, document_id: int) -> dict[str, str]:
        return dict(self.rows("SELECT key, value FROM document_attributes WHERE document_id = ? ORDER BY key",
                              (document_id,)))

    def text(self, document_id: int) -> str:
        found = self.rows("SELECT text FROM documents WHERE id = ?", (document_id,))
        return (found[0][0] if found else None) or ""

    def speakers(self, document_id: int) -> list[Speaker]:
        rows = self.rows("SELECT id, document_id, label FROM speakers WHERE document_id = ? ORDER BY id",
                         (document_id,))
        attributes: dict[int, dict[str, str]] = {}
        if rows:
            ids = [r[0] for r in rows]
            for speaker_id, key, value in self.rows(
                    f"SELECT speaker_id, key, value FROM speaker_attributes WHERE speaker_id IN ({_marks(ids)})",
                    ids):
                attributes.setdefault(speaker_id, {})[key] = value
        return [Speaker(i, document, label, attributes.get(i, {})) for i, document, label in rows]

    def turns(self, document_id: int) -> list[Turn]:
        return [Turn(id=i, document_id=document, index=index, start=start, end=end, speaker_id=speaker,
                     speaker_label=label, start_time=start_time, end_time=end_time)
                for i, document, index, start, end, speaker, label, start_time, end_time in self.rows(
                    'SELECT turns.id, turns.document_id, turns."index", turns.start, turns."end", '
                    "turns.speaker_id, speakers.label, turns.start_time, turns.end_time "
                    "FROM turns LEFT OUTER JOIN speakers ON speakers.id = turns.speaker_id "
                    'WHERE turns.document_id = ? ORDER BY turns."index"', (document_id,))]

    def segments(self, document_id: int | None = None,
                 kind: SegmentKind | None = SegmentKind.SENTENCE) -> list[Segment]:
        where, parameters = [], []
        if document_id is not None:
            where.append("document_id = ?")
            parameters.append(document_id)
        if kind is not None:
            where.append("kind = ?")
            parameters.append(str(kind))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [Segment(id=i, document_id=document, kind=SegmentKind(k), index=index, start=start, end=end,
                        turn_id=turn)
                for i, document, k, index, start, end, turn in self.rows(
                    f'SELECT id, document_id, kind, "index", start, "end", turn_id FROM segments{clause} '
                    "ORDER BY document_id, start, kind", parameters)]


class LiteUnit:
    """The repositories a first-screen read uses, under the store's names."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.settings = LiteSettings(connection)
        self.coders = LiteCoders(connection)
        self.codebooks = LiteCodebooks(connection)
        self.codings = LiteCodings(connection)
        self.agreement = LiteAgreement(connection)
        self.documents = LiteDocuments(connection)


class FirstScreenReads:
    """Stands in for the store in the first screen's reads (see the module's note)."""

    def __init__(self, reader: lite.LiteReader) -> None:
        self.reader = reader
        self._unit = LiteUnit(reader.connection)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction around everything read inside it: a consistent view."""
        connection = self.reader.connection
        try:
            connection.execute("BEGIN")
        except sqlite3.Error as exc:
            raise lite.refuse(exc, self.reader.path) from exc
        try:
            yield
        finally:
            try:
                connection.execute("COMMIT")
            except sqlite3.Error:
                pass  # a read transaction: nothing to keep, and SQLite ends it with the connection

    @contextmanager
    def unit_of_work(self) -> Iterator[LiteUnit]:
        try:
            yield self._unit
        except sqlite3.Error as exc:
            raise lite.refuse(exc, self.reader.path) from exc

    def version(self) -> int:
        """The newest event's id: every change to a project logs one (the change watch
        on PostgreSQL relies on it too), so it moves when anyone writes to the project
        after the first screen was read and before the store opened to watch it. (SQLite's
        data_version would move on the store's own opening, which stamps the file.)"""
        try:
            return int(self.reader.connection.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
        except sqlite3.Error as exc:
            raise lite.refuse(exc, self.reader.path) from exc

    def close(self) -> None:
        self.reader.close()
