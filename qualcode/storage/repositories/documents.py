"""Documents with their attributes, speakers, turns and segments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from qualcode.core.model import (
    Document,
    DocumentSummary,
    ParsedDocument,
    Segment,
    SegmentKind,
    Speaker,
    Turn,
)
from qualcode.storage.records import NewSegment  # noqa: F401 (named by callers from here too)
from qualcode.storage.repositories.search import add_document_terms
from qualcode.storage.schema import (
    DocumentAttributeRow,
    DocumentRow,
    SegmentRow,
    SpeakerAttributeRow,
    SpeakerRow,
    TurnRow,
)

# Rows written per ``executemany``: a document's rows are built a batch at a time, so
# memory holds a few thousand of them whatever the document's size, and the batches
# are still large enough that the driver's own loop does the work.
ROW_BATCH = 4096


class DocumentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ----------------------------------------------------------------- writing

    def add(
        self,
        parsed: ParsedDocument,
        *,
        language: str,
        word_count: int,
        sha256: str,
        speaker_attributes: dict[str, dict[str, str]],
        segments: Iterable[NewSegment],
    ) -> DocumentSummary:
        """Store a document with everything derived from it; returns the summary that reading
        the document back would give.

        Rows other than the document's own are written with the driver's
        ``executemany`` and ids chosen up front (:meth:`_reserve_ids`): an import
        writes hundreds of thousands of rows, and building or returning them one by one
        in SQLAlchemy costs more than the database's own work. The summary is made from
        what was written, so an import needs no queries to report it.
        """
        table = DocumentRow.__table__
        document_id, imported_at = self.session.connection().execute(  # Core: no ORM bookkeeping
            insert(table).returning(table.c.id, table.c.imported_at),
            {
                "name": parsed.name,
                "text": parsed.text,
                "sha256": sha256,
                "format": parsed.format,
                "language": language,
                "source_path": parsed.source_path,
                "encoding": parsed.encoding,
                "word_count": word_count,
            },
        ).one()
        attributes = [(document_id, k, str(v)) for k, v in parsed.attributes.items() if v is not None and v != ""]
        self._insert("document_attributes", ("document_id", "key", "value"), attributes)
        speaker_ids = self._add_speakers(document_id, parsed, speaker_attributes)
        turn_ids = self._reserve_ids("turns", len(parsed.turns))
        for first in range(0, len(turn_ids), ROW_BATCH):
            self._insert(
                "turns", ("id", "document_id", "speaker_id", "index", "start", "end", "start_time", "end_time"),
                [(turn_id, document_id, speaker_ids.get(t.speaker) if t.speaker else None, i, t.start, t.end,
                  t.start_time, t.end_time)
                 for i, turn_id, t in zip(range(first, first + ROW_BATCH), turn_ids[first:first + ROW_BATCH],
                                          parsed.turns[first:first + ROW_BATCH], strict=False)])
        sentence_count = self._add_segments(document_id, turn_ids, segments)
        return DocumentSummary(
            id=document_id, name=parsed.name, format=parsed.format, language=language, sha256=sha256,
            imported_at=imported_at, word_count=word_count,
            attributes={k: v for _, k, v in sorted(attributes)},  # as attributes() reads them
            turn_count=len(turn_ids), sentence_count=sentence_count, speaker_count=len(speaker_ids),
        )

    def _add_speakers(self, document_id: int, parsed: ParsedDocument,
                      speaker_attributes: dict[str, dict[str, str]]) -> dict[str, int]:
        labels = list(dict.fromkeys(t.speaker for t in parsed.turns if t.speaker))
        speaker_ids = dict(zip(labels, self._reserve_ids("speakers", len(labels)), strict=True))
        self._insert("speakers", ("id", "document_id", "label"),
                     [(speaker_id, document_id, label) for label, speaker_id in speaker_ids.items()])
        self._insert("speaker_attributes", ("speaker_id", "key", "value"),
                     [(speaker_id, key, str(value)) for label, speaker_id in speaker_ids.items()
                      for key, value in speaker_attributes.get(label, {}).items()])
        return speaker_ids

    def _add_segments(self, document_id: int, turn_ids: Sequence[int], segments: Iterable[NewSegment]) -> int:
        """Store the segments and their search terms; returns how many are sentences.

        ``segments`` may be a generator: rows are built and written :data:`ROW_BATCH` at a
        time, so a document of a million sentences never has a million rows in memory.
        """
        kind_names = {kind: str(kind) for kind in SegmentKind}
        counters = dict.fromkeys(SegmentKind, 0)
        connection = self.session.connection()
        iterator = iter(segments)
        while batch := list(islice(iterator, ROW_BATCH)):
            rows = []
            search_rows = []
            for segment_id, (kind, start, end, turn_index, terms) in zip(
                    self._reserve_ids("segments", len(batch)), batch, strict=True):
                index = counters[kind]
                counters[kind] = index + 1
                rows.append((segment_id, document_id, None if turn_index is None else turn_ids[turn_index],
                             kind_names[kind], index, start, end))
                if terms:
                    search_rows.append((segment_id, terms))
            del batch
            self._insert("segments", ("id", "document_id", "turn_id", "kind", "index", "start", "end"), rows)
            del rows
            add_document_terms(connection, document_id, search_rows)
        return counters[SegmentKind.SENTENCE]

    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[object, ...]]) -> None:
        """``executemany`` of plain tuples; table and column names are ours, never input."""
        if not rows:
            return
        connection = self.session.connection()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(f'"{name}"' for name in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))})", rows)

    def _reserve_ids(self, table: str, count: int) -> Sequence[int]:
        """Ids for ``count`` new rows of ``table``, taken so that no other writer can take them."""
        if count == 0:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            return list(self.session.scalars(
                text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                     "FROM generate_series(1, :n)").bindparams(n=count)))
        # SQLite: the write lock is held for the whole transaction (BEGIN IMMEDIATE), and
        # max + 1 is the id SQLite itself would give the next row.
        first = int(self.session.connection().exec_driver_sql(
            f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()) + 1
        return range(first, first + count)

    def set_attributes(self, document_id: int, attributes: dict[str, str]) -> None:
        for key, value in attributes.items():
            existing = self.session.get(DocumentAttributeRow, (document_id, key))
            if value is None or value == "":
                if existing is not None:
                    self.session.delete(existing)
                continue
            if existing is None:
                self.session.add(DocumentAttributeRow(document_id=document_id, key=key, value=str(value)))
            else:
                existing.value = str(value)

    def set_speaker_attributes(self, speaker_id: int, attributes: dict[str, str]) -> None:
        for key, value in attributes.items():
            existing = self.session.get(SpeakerAttributeRow, (speaker_id, key))
            if existing is None:
                self.session.add(SpeakerAttributeRow(speaker_id=speaker_id, key=key, value=str(value)))
            else:
                existing.value = str(value)

    def delete(self, document_id: int) -> None:
        self.session.execute(delete(DocumentRow).where(DocumentRow.id == document_id))

    # ----------------------------------------------------------------- reading

    # An import asks these two once per file; as plain SQL they cost a fraction of a
    # built statement, which adds up over thousands of files.

    def find_by_sha(self, sha256: str) -> DocumentSummary | None:
        document_id = self._first_id("sha256", sha256)
        return self._summary(self.session.get_one(DocumentRow, document_id)) if document_id else None

    def name_taken(self, name: str) -> bool:
        return self._first_id("name", name) is not None

    def _first_id(self, column: str, value: str) -> int | None:
        connection = self.session.connection()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        return connection.exec_driver_sql(  # type: ignore[no-any-return]
            f"SELECT id FROM documents WHERE {column} = {mark} ORDER BY id LIMIT 1", (value,)).scalar()

    def find_by_name(self, name: str) -> DocumentSummary | None:
        row = self.session.scalars(select(DocumentRow).where(DocumentRow.name == name)).first()
        return self._summary(row) if row else None

    def exists(self, document_id: int) -> bool:
        return self.session.scalar(select(DocumentRow.id).where(DocumentRow.id == document_id)) is not None

    def get(self, document_id: int) -> Document | None:
        row = self.session.get(DocumentRow, document_id)
        if row is None:
            return None
        return Document(
            id=row.id, name=row.name, text=row.text, format=row.format, language=row.language,
            sha256=row.sha256, imported_at=row.imported_at, attributes=self.attributes(row.id),
            source_path=row.source_path, encoding=row.encoding,
        )

    def text(self, document_id: int) -> str:
        return self.session.scalar(select(DocumentRow.text).where(DocumentRow.id == document_id)) or ""

    def attributes(self, document_id: int) -> dict[str, str]:
        rows = self.session.execute(
            select(DocumentAttributeRow.key, DocumentAttributeRow.value)
            .where(DocumentAttributeRow.document_id == document_id)
            .order_by(DocumentAttributeRow.key)
        )
        return {k: v for k, v in rows}

    def all_attributes(self) -> dict[int, dict[str, str]]:
        result: dict[int, dict[str, str]] = {}
        for doc_id, key, value in self.session.execute(
            select(DocumentAttributeRow.document_id, DocumentAttributeRow.key, DocumentAttributeRow.value)
        ):
            result.setdefault(doc_id, {})[key] = value
        return result

    def attribute_keys(self) -> set[str]:
        """Every attribute key a document or a speaker has: what an --attr filter can name."""
        docs = self.session.scalars(select(DocumentAttributeRow.key).distinct())
        speakers = self.session.scalars(select(SpeakerAttributeRow.key).distinct())
        return set(docs) | set(speakers)

    def names(self) -> dict[int, str]:
        """Every document's name by id, one light query (no texts, no counts)."""
        return {i: name for i, name in self.session.execute(select(DocumentRow.id, DocumentRow.name))}

    def list(self) -> list[DocumentSummary]:
        rows = self.session.scalars(select(DocumentRow).order_by(DocumentRow.name)).all()
        attributes = self.all_attributes()
        counts = self._counts()
        return [self._summary(row, attributes.get(row.id, {}), counts.get(row.id)) for row in rows]

    def _counts(self, only: Sequence[int] | None = None) -> dict[int, tuple[int, int, int]]:
        """(turns, sentences, speakers) per document; ``only`` limits it to some documents."""

        def per_document(query):  # type: ignore[no-untyped-def]
            column = query.selected_columns[0]
            if only is not None:
                query = query.where(column.in_(list(only)))
            return dict(self.session.execute(query.group_by(column)).all())

        turn_counts = per_document(select(TurnRow.document_id, func.count()))
        sentence_counts = per_document(select(SegmentRow.document_id, func.count())
                                       .where(SegmentRow.kind == str(SegmentKind.SENTENCE)))
        speaker_counts = per_document(select(SpeakerRow.document_id, func.count()))
        ids = set(turn_counts) | set(sentence_counts) | set(speaker_counts)
        return {i: (turn_counts.get(i, 0), sentence_counts.get(i, 0), speaker_counts.get(i, 0)) for i in ids}

    def _summary(self, row: DocumentRow, attributes: dict[str, str] | None = None,
                 counts: tuple[int, int, int] | None = None) -> DocumentSummary:
        if attributes is None:
            attributes = self.attributes(row.id)
        if counts is None:
            counts = self._counts([row.id]).get(row.id, (0, 0, 0))
        return DocumentSummary(
            id=row.id, name=row.name, format=row.format, language=row.language, sha256=row.sha256,
            imported_at=row.imported_at, word_count=row.word_count, attributes=attributes,
            turn_count=counts[0], sentence_count=counts[1], speaker_count=counts[2],
        )

    def speakers(self, document_id: int) -> list[Speaker]:
        rows = self.session.scalars(
            select(SpeakerRow).where(SpeakerRow.document_id == document_id).order_by(SpeakerRow.id)
        ).all()
        attrs: dict[int, dict[str, str]] = {}
        if rows:
            for speaker_id, key, value in self.session.execute(
                select(SpeakerAttributeRow.speaker_id, SpeakerAttributeRow.key, SpeakerAttributeRow.value)
                .where(SpeakerAttributeRow.speaker_id.in_([r.id for r in rows]))
            ):
                attrs.setdefault(speaker_id, {})[key] = value
        return [Speaker(r.id, r.document_id, r.label, attrs.get(r.id, {})) for r in rows]

    def all_speakers(self) -> list[Speaker]:
        rows = self.session.scalars(select(SpeakerRow).order_by(SpeakerRow.id)).all()
        attrs: dict[int, dict[str, str]] = {}
        for speaker_id, key, value in self.session.execute(
            select(SpeakerAttributeRow.speaker_id, SpeakerAttributeRow.key, SpeakerAttributeRow.value)
        ):
            attrs.setdefault(speaker_id, {})[key] = value
        return [Speaker(r.id, r.document_id, r.label, attrs.get(r.id, {})) for r in rows]

    def turns(self, document_id: int) -> list[Turn]:
        rows = self.session.execute(
            select(TurnRow, SpeakerRow.label)
            .outerjoin(SpeakerRow, SpeakerRow.id == TurnRow.speaker_id)
            .where(TurnRow.document_id == document_id)
            .order_by(TurnRow.index)
        ).all()
        return [
            Turn(id=t.id, document_id=t.document_id, index=t.index, start=t.start, end=t.end,
                 speaker_id=t.speaker_id, speaker_label=label, start_time=t.start_time,
                 end_time=t.end_time)
            for t, label in rows
        ]

    def segments(self, document_id: int | None = None,
                 kind: SegmentKind | None = SegmentKind.SENTENCE) -> list[Segment]:
        query = select(SegmentRow)
        if document_id is not None:
            query = query.where(SegmentRow.document_id == document_id)
        if kind is not None:
            query = query.where(SegmentRow.kind == str(kind))
        query = query.order_by(SegmentRow.document_id, SegmentRow.start, SegmentRow.kind)
        return [
            Segment(id=r.id, document_id=r.document_id, kind=SegmentKind(r.kind), index=r.index,
                    start=r.start, end=r.end, turn_id=r.turn_id)
            for r in self.session.scalars(query)
        ]

    def segment(self, segment_id: int) -> Segment | None:
        r = self.session.get(SegmentRow, segment_id)
        if r is None:
            return None
        return Segment(id=r.id, document_id=r.document_id, kind=SegmentKind(r.kind), index=r.index,
                       start=r.start, end=r.end, turn_id=r.turn_id)

    def ids_by_name(self, names: Iterable[str]) -> dict[str, int]:
        names = list(names)
        if not names:
            return {}
        rows = self.session.execute(select(DocumentRow.name, DocumentRow.id).where(DocumentRow.name.in_(names)))
        return {name: doc_id for name, doc_id in rows}

    def total_words(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.sum(DocumentRow.word_count), 0))) or 0)
