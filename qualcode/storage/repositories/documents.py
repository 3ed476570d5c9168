"""Documents with their attributes, speakers, turns and segments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
from qualcode.storage.schema import (
    DocumentAttributeRow,
    DocumentRow,
    SearchTextRow,
    SegmentRow,
    SpeakerAttributeRow,
    SpeakerRow,
    TurnRow,
)


@dataclass(frozen=True)
class NewSegment:
    """A segment to store: kind, span, the index of its turn, and its search terms."""

    kind: SegmentKind
    start: int
    end: int
    turn_index: int | None
    terms: str | None = None


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
        segments: Sequence[NewSegment],
    ) -> int:
        row = DocumentRow(
            name=parsed.name,
            text=parsed.text,
            sha256=sha256,
            format=parsed.format,
            language=language,
            source_path=parsed.source_path,
            encoding=parsed.encoding,
            word_count=word_count,
        )
        self.session.add(row)
        self.session.flush()
        document_id = row.id
        connection = self.session.connection()
        attributes = [{"document_id": document_id, "key": k, "value": str(v)}
                      for k, v in parsed.attributes.items() if v is not None and v != ""]
        if attributes:
            connection.execute(DocumentAttributeRow.__table__.insert(), attributes)

        speaker_ids: dict[str, int] = {}
        for label in dict.fromkeys(t.speaker for t in parsed.turns if t.speaker):
            speaker = SpeakerRow(document_id=document_id, label=label)
            self.session.add(speaker)
            self.session.flush()
            speaker_ids[label] = speaker.id
            for key, value in speaker_attributes.get(label, {}).items():
                self.session.add(SpeakerAttributeRow(speaker_id=speaker.id, key=key, value=str(value)))

        turn_ids: list[int] = []
        if parsed.turns:
            turn_ids = list(self.session.scalars(
                insert(TurnRow).returning(TurnRow.id, sort_by_parameter_order=True),
                [
                    {
                        "document_id": document_id,
                        "speaker_id": speaker_ids.get(t.speaker) if t.speaker else None,
                        "index": i,
                        "start": t.start,
                        "end": t.end,
                        "start_time": t.start_time,
                        "end_time": t.end_time,
                    }
                    for i, t in enumerate(parsed.turns)
                ],
            ))
        self._add_segments(document_id, turn_ids, segments)
        return document_id

    def _add_segments(self, document_id: int, turn_ids: list[int], segments: Sequence[NewSegment]) -> None:
        if not segments:
            return
        counters: dict[SegmentKind, int] = {}
        rows = []
        for seg in segments:
            index = counters.get(seg.kind, 0)
            counters[seg.kind] = index + 1
            rows.append({
                "document_id": document_id,
                "turn_id": turn_ids[seg.turn_index] if seg.turn_index is not None else None,
                "kind": str(seg.kind),
                "index": index,
                "start": seg.start,
                "end": seg.end,
            })
        ids = self._reserve_segment_ids(len(rows))
        for seg_id, row in zip(ids, rows, strict=True):
            row["id"] = seg_id
        # Core executemany with ids chosen up front: an import writes hundreds of
        # thousands of segments, and RETURNING them row by row is most of the cost.
        connection = self.session.connection()
        connection.execute(SegmentRow.__table__.insert(), rows)
        search_rows = [
            {"segment_id": seg_id, "document_id": document_id, "terms": seg.terms}
            for seg_id, seg in zip(ids, segments, strict=True)
            if seg.terms
        ]
        if search_rows:
            connection.execute(SearchTextRow.__table__.insert(), search_rows)

    def _reserve_segment_ids(self, count: int) -> list[int]:
        """Ids for ``count`` new segments, taken so that no other writer can take them."""
        if self.session.get_bind().dialect.name == "postgresql":
            return list(self.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('segments', 'id')) "
                     "FROM generate_series(1, :n)").bindparams(n=count)))
        # SQLite: the write lock is held for the whole transaction (BEGIN IMMEDIATE).
        first = int(self.session.scalar(select(func.coalesce(func.max(SegmentRow.id), 0)))) + 1
        return list(range(first, first + count))

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

    def find_by_sha(self, sha256: str) -> DocumentSummary | None:
        row = self.session.scalars(select(DocumentRow).where(DocumentRow.sha256 == sha256)).first()
        return self._summary(row) if row else None

    def name_taken(self, name: str) -> bool:
        return self.session.scalar(select(DocumentRow.id).where(DocumentRow.name == name).limit(1)) is not None

    def find_by_name(self, name: str) -> DocumentSummary | None:
        row = self.session.scalars(select(DocumentRow).where(DocumentRow.name == name)).first()
        return self._summary(row) if row else None

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
