"""What merging two projects reads and writes in bulk, beyond the other repositories.

Reads return the plain tuples of :mod:`qualcode.core.merge`; writes take ids, so that
the merge service (and the undo of a merge) can add and remove whole sets of rows in
a few statements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import String, delete, func, insert, select, text, tuple_, type_coerce, update
from sqlalchemy.orm import Session

from qualcode.core.merge import SegmentKey, SideAttribute, SideCoding, SideDocument, SideSample
from qualcode.core.model import SegmentKind
from qualcode.storage.repositories.documents import NewSegment
from qualcode.storage.schema import (
    CodebookRow,
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentAttributeRow,
    DocumentRow,
    MemoRow,
    SampleCoderRow,
    SampleItemRow,
    SampleRow,
    SearchTextRow,
    SegmentRow,
    SpeakerAttributeRow,
    SpeakerRow,
    TurnRow,
)

# Tables whose rows a merge adds and the undo of a merge removes, by the name the
# merge's event uses.
TABLES = {"codings": CodingRow, "memos": MemoRow, "codes": CodeRow, "codebooks": CodebookRow,
          "documents": DocumentRow, "samples": SampleRow, "sample_items": SampleItemRow,
          "coders": CoderRow}
_CHUNK = 900  # ids per IN list: below SQLite's default limit of bound parameters


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for first in range(0, len(ids), _CHUNK):
        yield list(ids[first:first + _CHUNK])


class MergeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ----------------------------------------------------------------- reading

    def documents(self) -> list[SideDocument]:
        """Each document with the SHA-256 of its stored text (the column holds the source file's)."""
        return [SideDocument(i, name, hashlib.sha256(text.encode("utf-8")).hexdigest())
                for i, name, text in self.session.execute(
                    select(DocumentRow.id, DocumentRow.name, DocumentRow.text).order_by(DocumentRow.id))]

    def codings(self, *, details: bool = True) -> list[SideCoding]:
        """Every coding; without ``details`` its origin, time and weight are left out (None).

        On SQLite the times are read as the text SQLite keeps and parsed here: SQLAlchemy's
        own parsing of 100,000 timestamps cost more than the rest of the read.
        """
        c = CodingRow
        if not details:
            return [SideCoding(*r, None, None, None) for r in self.session.execute(
                select(c.id, c.document_id, c.code_id, c.coder_id, c.start, c.end).order_by(c.id))]
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        when = type_coerce(c.created_at, String) if sqlite else c.created_at
        rows = self.session.execute(
            select(c.id, c.document_id, c.code_id, c.coder_id, c.start, c.end, c.origin, when, c.weight)
            .order_by(c.id))
        if not sqlite:
            return [SideCoding(*r) for r in rows]
        parse = datetime.fromisoformat
        return [SideCoding(i, d, code, coder, start, end, origin, parse(at) if at else None, weight)
                for i, d, code, coder, start, end, origin, at, weight in rows]

    def coder_names(self) -> dict[int, str]:
        """Every coder id -> the name it stands for (a name merged into another: that one's)."""
        rows = self.session.execute(select(CoderRow.id, CoderRow.name, CoderRow.merged_into)).all()
        names = {i: n for i, n, _ in rows}
        into = {i: m for i, _, m in rows if m is not None}
        result = {}
        for coder_id, name, _ in rows:
            seen, current = {coder_id}, coder_id
            while current in into and into[current] not in seen:
                current = into[current]
                seen.add(current)
            result[coder_id] = names.get(current, name)
        return result

    def aliases(self) -> dict[str, str]:
        """Each name merged into another coder -> the name of the coder it stands for."""
        names = self.coder_names()
        return {name: names[i] for i, name in self.session.execute(
            select(CoderRow.id, CoderRow.name).where(CoderRow.merged_into.is_not(None)))}

    def attributes(self) -> list[SideAttribute]:
        found = [SideAttribute(d, None, k, v) for d, k, v in self.session.execute(
            select(DocumentAttributeRow.document_id, DocumentAttributeRow.key, DocumentAttributeRow.value))]
        found += [SideAttribute(d, label, k, v) for d, label, k, v in self.session.execute(
            select(SpeakerRow.document_id, SpeakerRow.label, SpeakerAttributeRow.key, SpeakerAttributeRow.value)
            .join(SpeakerAttributeRow, SpeakerAttributeRow.speaker_id == SpeakerRow.id))]
        return found

    def samples(self) -> list[SideSample]:
        items: dict[int, list[tuple[int, SegmentKey | None]]] = {}
        for sample_id, document_id, kind, start, end in self.session.execute(
                select(SampleItemRow.sample_id, SampleItemRow.document_id, SegmentRow.kind, SegmentRow.start,
                       SegmentRow.end)
                .outerjoin(SegmentRow, SegmentRow.id == SampleItemRow.segment_id).order_by(SampleItemRow.id)):
            items.setdefault(sample_id, []).append((document_id, (kind, start, end) if kind else None))
        coders: dict[int, list[tuple[int, datetime | None]]] = {}
        for sample_id, coder_id, done_at in self.session.execute(
                select(SampleCoderRow.sample_id, SampleCoderRow.coder_id, SampleCoderRow.done_at)
                .order_by(SampleCoderRow.sample_id, SampleCoderRow.coder_id)):
            coders.setdefault(sample_id, []).append((coder_id, done_at))
        return [SideSample(r.id, r.name, r.unit, r.seed, r.stratify_by, r.created_by, r.created_at,
                           tuple(items.get(r.id, ())), tuple(coders.get(r.id, ())))
                for r in self.session.scalars(select(SampleRow).order_by(SampleRow.id))]

    def segment_ids(self, document_ids: Sequence[int]) -> dict[tuple[int, str, int, int], int]:
        found = {}
        for chunk in _chunks(sorted(set(document_ids))):
            for segment_id, document_id, kind, start, end in self.session.execute(
                    select(SegmentRow.id, SegmentRow.document_id, SegmentRow.kind, SegmentRow.start, SegmentRow.end)
                    .where(SegmentRow.document_id.in_(chunk))):
                found.setdefault((document_id, kind, start, end), segment_id)
        return found

    def stored_segments(self, document_id: int) -> list[NewSegment]:
        """A document's segments with their search terms, as :meth:`DocumentRepository.add` takes
        them: a copy of the document gets exactly these, with no segmenter run again."""
        turn_position = {i: n for n, i in enumerate(self.session.scalars(
            select(TurnRow.id).where(TurnRow.document_id == document_id).order_by(TurnRow.index)))}
        rows = self.session.execute(
            select(SegmentRow.kind, SegmentRow.start, SegmentRow.end, SegmentRow.turn_id, SearchTextRow.terms)
            .outerjoin(SearchTextRow, SearchTextRow.segment_id == SegmentRow.id)
            .where(SegmentRow.document_id == document_id).order_by(SegmentRow.kind, SegmentRow.index))
        return [NewSegment(SegmentKind(kind), start, end, turn_position.get(turn_id) if turn_id else None, terms)
                for kind, start, end, turn_id, terms in rows]

    def speaker_id(self, document_id: int, label: str) -> int | None:
        return self.session.scalar(select(SpeakerRow.id).where(SpeakerRow.document_id == document_id,
                                                               SpeakerRow.label == label))

    def attribute(self, document_id: int, speaker: str | None, key: str) -> str | None:
        if speaker is None:
            return self.session.scalar(select(DocumentAttributeRow.value).where(
                DocumentAttributeRow.document_id == document_id, DocumentAttributeRow.key == key))
        return self.session.scalar(
            select(SpeakerAttributeRow.value).join(SpeakerRow, SpeakerRow.id == SpeakerAttributeRow.speaker_id)
            .where(SpeakerRow.document_id == document_id, SpeakerRow.label == speaker,
                   SpeakerAttributeRow.key == key))

    def in_use(self, coder_id: int) -> bool:
        """Whether anything but the event log still names the coder."""
        for column in (CodingRow.coder_id, MemoRow.coder_id, SampleCoderRow.coder_id, SampleRow.created_by):
            if self.session.scalar(select(func.count()).where(column == coder_id)):
                return True
        return bool(self.session.scalar(select(func.count()).where(CoderRow.merged_into == coder_id)))

    # ----------------------------------------------------------------- writing

    def set_attribute(self, document_id: int, speaker: str | None, key: str, value: str | None) -> bool:
        """Set (or with None remove) an attribute; False when the speaker does not exist."""
        if speaker is None:
            table, owner, column = DocumentAttributeRow, document_id, DocumentAttributeRow.document_id
        else:
            speaker_id = self.speaker_id(document_id, speaker)
            if speaker_id is None:
                return False
            table, owner, column = SpeakerAttributeRow, speaker_id, SpeakerAttributeRow.speaker_id
        self.session.flush()
        self.session.execute(delete(table).where(column == owner, table.key == key))
        if value is not None:
            self.session.execute(insert(table).values({column.key: owner, "key": key, "value": value}))
        return True

    def add_codings(self, rows: list[dict]) -> list[int]:
        """Bulk insert of codings (see :meth:`CodingRepository.add_many`); the new ids in order.

        On PostgreSQL the ids are drawn from the sequence first and the rows sent with
        ``COPY``: SQLAlchemy's multi-row ``INSERT ... RETURNING`` spent most of a 50,000-row
        merge letting the driver parse statements with tens of thousands of parameters, and
        row-by-row inserts still waited on the server for each.
        """
        from qualcode.storage.repositories.codings import CodingRepository

        codings = CodingRepository(self.session)
        if not rows or self.session.get_bind().dialect.name != "postgresql":
            return codings.add_many(rows)
        prepared = codings.with_speakers(rows)
        ids = list(self.session.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('codings', 'id')) FROM generate_series(1, :n)")
            .bindparams(n=len(prepared))))
        columns = ("id", "document_id", "code_id", "coder_id", "speaker_id", "start", "end", "origin",
                   "created_at", "weight")
        names = ", ".join(f'"{c}"' for c in columns)
        connection = self.session.connection()
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY codings ({names}) FROM STDIN") as copy:
            for i, r in zip(ids, prepared, strict=True):
                copy.write_row((i, *(r[c] for c in columns[1:])))
        return ids  # statistics: the merge refreshes them once it has committed

    def add_sample(self, name: str, unit: str, seed: int, stratify_by: str | None, created_by: int | None,
                   created_at: datetime | None) -> int:
        values = {"name": name, "unit": unit, "seed": seed, "stratify_by": stratify_by, "created_by": created_by}
        if created_at is not None:
            values["created_at"] = created_at
        table = SampleRow.__table__
        return int(self.session.execute(insert(table).returning(table.c.id), values).scalar_one())

    def add_sample_item(self, sample_id: int, document_id: int, segment_id: int | None) -> int:
        table = SampleItemRow.__table__
        return int(self.session.execute(insert(table).returning(table.c.id), {
            "sample_id": sample_id, "document_id": document_id, "segment_id": segment_id}).scalar_one())

    def add_sample_coder(self, sample_id: int, coder_id: int, done_at: datetime | None) -> None:
        self.session.execute(insert(SampleCoderRow).values(sample_id=sample_id, coder_id=coder_id,
                                                           done_at=done_at))

    def delete_ids(self, table: str, ids: Sequence[int]) -> int:
        row = TABLES[table]
        self.session.flush()
        removed = 0
        for chunk in _chunks(list(ids)):
            removed += int(self.session.execute(delete(row).where(row.id.in_(chunk))).rowcount or 0)
        return removed

    def existing_ids(self, table: str, ids: Sequence[int]) -> set[int]:
        row = TABLES[table]
        found: set[int] = set()
        for chunk in _chunks(list(ids)):
            found.update(self.session.scalars(select(row.id).where(row.id.in_(chunk))))
        return found

    def delete_sample_coders(self, pairs: Sequence[tuple[int, int]]) -> None:
        self.session.flush()
        for first in range(0, len(pairs), _CHUNK // 2):
            chunk = [tuple(p) for p in pairs[first:first + _CHUNK // 2]]
            self.session.execute(delete(SampleCoderRow).where(
                tuple_(SampleCoderRow.sample_id, SampleCoderRow.coder_id).in_(chunk)))

    def set_code_fields(self, code_id: int, fields: dict) -> None:
        self.session.flush()
        values = {k: (list(v) if k == "examples" else v) for k, v in fields.items()}
        self.session.execute(update(CodeRow).where(CodeRow.id == code_id).values(values))
