"""Coders' work as a whole: counts per coder, renaming, and merging two names of one person.

A merge moves every row that names the coder (codings, memos, samples, suggestion
feedback, the exchange GUID) to the other coder in the caller's transaction. The event
log is append-only, so its rows keep naming the old coder id; the old coder's row stays,
marked ``merged_into``, and its name then stands for the coder it was merged into.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from qualcode.core.team import CoderSummary
from qualcode.storage.schema import (
    CoderRow,
    CodingRow,
    EventRow,
    ExchangeGuidRow,
    MemoRow,
    SampleCoderRow,
    SampleRow,
    SettingRow,
    SuggestionFeedbackRow,
)


@dataclass(frozen=True)
class Double:
    """A coding of the merged coder that the other coder also made (same document, span, code)."""

    source_id: int
    target_id: int
    source_weight: int | None
    target_weight: int | None


class CoderWorkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, name: str) -> CoderRow | None:
        """The coder row of exactly this name (a merged name too)."""
        return self.session.scalars(select(CoderRow).where(CoderRow.name == name)).first()

    def summaries(self) -> list[CoderSummary]:
        """Every coder not merged away, with counts, by name; four grouped queries in all."""
        coders = self.session.execute(
            select(CoderRow.id, CoderRow.name, CoderRow.merged_into).order_by(CoderRow.name)).all()
        roles = dict(self.session.execute(select(CoderRow.id, CoderRow.role)).all())
        codings = dict(self.session.execute(
            select(CodingRow.coder_id, func.count()).group_by(CodingRow.coder_id)).all())
        documents = dict(self.session.execute(
            select(CodingRow.coder_id, func.count(func.distinct(CodingRow.document_id)))
            .group_by(CodingRow.coder_id)).all())
        memos = dict(self.session.execute(
            select(MemoRow.coder_id, func.count()).where(MemoRow.coder_id.is_not(None))
            .group_by(MemoRow.coder_id)).all())
        last = dict(self.session.execute(
            select(EventRow.coder_id, func.max(EventRow.at)).where(EventRow.coder_id.is_not(None))
            .group_by(EventRow.coder_id)).all())
        aliases: dict[int, list[int]] = {}
        names = {coder_id: name for coder_id, name, _ in coders}
        for coder_id, _, merged_into in coders:
            if merged_into is not None:
                aliases.setdefault(merged_into, []).append(coder_id)
        result = []
        for coder_id, name, merged_into in coders:
            if merged_into is not None:
                continue
            own = [coder_id, *aliases.get(coder_id, [])]
            times = [last[c] for c in own if last.get(c) is not None]
            result.append(CoderSummary(
                coder_id, name, codings.get(coder_id, 0), memos.get(coder_id, 0),
                documents.get(coder_id, 0), max(times) if times else None,
                tuple(sorted(names[c] for c in aliases.get(coder_id, []))), roles.get(coder_id)))
        return result

    # ------------------------------------------------------------------ roles

    def set_role(self, coder_id: int, role: str | None) -> str | None:
        """Set (or with None clear) a coder's role; returns the role they had."""
        row = self.session.get(CoderRow, coder_id)
        assert row is not None
        old = row.role
        row.role = role
        self.session.flush()
        return old

    def has_supervisor(self) -> bool:
        """Whether roles are in force: some coder (not merged away) is a supervisor."""
        return self.session.scalar(
            select(CoderRow.id).where(CoderRow.role == "supervisor", CoderRow.merged_into.is_(None))
            .limit(1)) is not None

    def role_of(self, name: str) -> tuple[str, str | None] | None:
        """(name, role) of the coder a name stands for (a merged name: the coder it went to)."""
        row = self.row(name)
        if row is not None and row.merged_into is not None:
            row = self.session.get(CoderRow, row.merged_into)
        return (row.name, row.role) if row is not None else None

    def rename(self, coder_id: int, new_name: str, *, remembered_prefix: str) -> int:
        """Give the coder a new name; users who remembered the old one now remember the new.

        Returns how many remembered settings changed.
        """
        old = self.session.get(CoderRow, coder_id)
        assert old is not None
        old_name = old.name
        old.name = new_name
        self.session.flush()
        return self._repoint_settings(old_name, new_name, remembered_prefix)

    def _repoint_settings(self, old: str, new: str, prefix: str) -> int:
        result = self.session.execute(
            update(SettingRow).where(SettingRow.key.startswith(prefix), SettingRow.value == old)
            .values(value=new))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ merging

    def doubles(self, source_id: int, target_id: int) -> list[Double]:
        """Codings of ``source_id`` the target coder also made, each with the target's lowest id."""
        mine, theirs = aliased(CodingRow), aliased(CodingRow)
        rows = self.session.execute(
            select(mine.id, func.min(theirs.id), mine.weight, func.min(theirs.weight))
            .join(theirs, and_(theirs.document_id == mine.document_id, theirs.code_id == mine.code_id,
                               theirs.start == mine.start, theirs.end == mine.end,
                               theirs.coder_id == target_id))
            .where(mine.coder_id == source_id)
            .group_by(mine.id, mine.weight)
            .order_by(mine.id)).all()
        return [Double(*row) for row in rows]

    def shared_samples(self, source_id: int, target_id: int) -> list[str]:
        """Samples both coders are assigned to: there they are compared with each other."""
        other = aliased(SampleCoderRow)
        return list(self.session.scalars(
            select(SampleRow.name)
            .join(SampleCoderRow, SampleCoderRow.sample_id == SampleRow.id)
            .join(other, other.sample_id == SampleRow.id)
            .where(SampleCoderRow.coder_id == source_id, other.coder_id == target_id)
            .order_by(SampleRow.name)))

    def guid_of_coding(self, coding_ids: list[int]) -> dict[int, int]:
        """Exchange-GUID row ids of those codings that have one, by coding id."""
        if not coding_ids:
            return {}
        return dict(self.session.execute(
            select(ExchangeGuidRow.coding_id, ExchangeGuidRow.id)
            .where(ExchangeGuidRow.coding_id.in_(coding_ids))).all())

    def coder_guid(self, coder_id: int) -> int | None:
        return self.session.scalar(select(ExchangeGuidRow.id).where(ExchangeGuidRow.coder_id == coder_id))

    def memos_on_codings(self, coding_ids: list[int]) -> int:
        if not coding_ids:
            return 0
        return int(self.session.scalar(
            select(func.count()).select_from(MemoRow).where(MemoRow.coding_id.in_(coding_ids))) or 0)

    def fold_double(self, double: Double, *, move_guid: bool) -> None:
        """Move what hangs on a doubled coding (memos, its weight, its GUID) to the one kept."""
        self.session.execute(update(MemoRow).where(MemoRow.coding_id == double.source_id)
                             .values(coding_id=double.target_id))
        if double.target_weight is None and double.source_weight is not None:
            self.session.execute(update(CodingRow).where(CodingRow.id == double.target_id)
                                 .values(weight=double.source_weight))
        if move_guid:
            self.session.execute(update(ExchangeGuidRow).where(ExchangeGuidRow.coding_id == double.source_id)
                                 .values(coding_id=double.target_id))

    def delete_codings(self, coding_ids: list[int]) -> None:
        for start in range(0, len(coding_ids), 500):
            self.session.execute(delete(CodingRow).where(CodingRow.id.in_(coding_ids[start:start + 500])))

    def move_all(self, source_id: int, target_id: int, *, move_guid: bool) -> dict[str, int]:
        """Every row naming ``source_id`` names ``target_id`` instead; counts per kind."""
        moved: dict[str, int] = {}
        for key, table, column in (("codings", CodingRow, CodingRow.coder_id),
                                   ("memos", MemoRow, MemoRow.coder_id),
                                   ("samples", SampleCoderRow, SampleCoderRow.coder_id),
                                   ("samples_drawn", SampleRow, SampleRow.created_by),
                                   ("feedback", SuggestionFeedbackRow, SuggestionFeedbackRow.coder_id)):
            result = self.session.execute(update(table).where(column == source_id)
                                          .values({column.key: target_id}))
            moved[key] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if move_guid:
            self.session.execute(update(ExchangeGuidRow).where(ExchangeGuidRow.coder_id == source_id)
                                 .values(coder_id=target_id))
        # Names merged into the source earlier now stand for the target too.
        self.session.execute(update(CoderRow).where((CoderRow.id == source_id) | (CoderRow.merged_into == source_id))
                             .values(merged_into=target_id))
        return moved
