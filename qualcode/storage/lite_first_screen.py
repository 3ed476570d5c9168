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

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from qualcode.core.model import Coding, CodingOrigin, Segment, SegmentKind, Speaker, Turn
from qualcode.storage import lite, lite_reads
from qualcode.storage.lite_reads import LiteCoders, LiteRepository, LiteSettings, marks, timestamp
from qualcode.storage.records import CodingFilter


class LiteCodebooks(lite_reads.LiteCodebooks):
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


class LiteCodings(LiteRepository):
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
                where.append(f"{column} IN ({marks(values)})" if values else "0")
                parameters.extend(values)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [Coding(i, document, code, coder, start, end, CodingOrigin(origin), timestamp(created), weight)
                for i, document, code, coder, start, end, origin, created, weight in self.rows(
                    'SELECT id, document_id, code_id, coder_id, start, "end", origin, created_at, weight '
                    f"FROM codings{clause} ORDER BY document_id, start, id", parameters)]

    def for_document(self, document_id: int, coder_ids: Sequence[int] | None = None) -> list[Coding]:
        return self.list(CodingFilter(document_ids=[document_id], coder_ids=coder_ids))


class LiteAgreement(LiteRepository):
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


class LiteDocuments(lite_reads.LiteDocuments):
    def text(self, document_id: int) -> str:
        found = self.rows("SELECT text FROM documents WHERE id = ?", (document_id,))
        return (found[0][0] if found else None) or ""

    def speakers(self, document_id: int) -> list[Speaker]:
        rows = self.rows("SELECT id, document_id, label FROM speakers WHERE document_id = ? ORDER BY id",
                         (document_id,))
        attributes = self.attributes_of("speaker", [r[0] for r in rows]) if rows else {}
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
