"""The plain records the repositories take and give, importable without SQLAlchemy.

Services, screens and exporters name these types at import time (a filter, a topic, a
segment to store); keeping them apart from the queries lets a command or the workbench's
first screen load them without loading the database toolkit and the table mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from qualcode.core.model import CodedPassage, SegmentKind

# Built-in grouping keys of the code matrix, besides the attributes.
BUILT_IN_GROUPS = ("document", "speaker", "coder")


@dataclass(frozen=True)
class CodingFilter:
    """Which codings a query means. Attribute filters match the speaker's attribute
    where the speaker has one, else the document's (a principal's turn in a group
    interview counts as the principal's)."""

    code_ids: Sequence[int] | None = None
    coder_ids: Sequence[int] | None = None
    document_ids: Sequence[int] | None = None
    origins: Sequence[str] | None = None
    attributes: dict[str, Sequence[str]] = field(default_factory=dict)
    coding_ids: Sequence[int] | None = None
    # Only codings overlapping a passage of one of these passage sets.
    passage_set_ids: Sequence[int] | None = None


@dataclass(frozen=True)
class WordFilter:
    """Which running words count. ``None`` means no limit on that side."""

    document_ids: Sequence[int] | None = None
    speaker_ids: Sequence[int] | None = None  # speakers whose words count
    unspoken: bool = True  # words outside any speaker's turn
    code_ids: Sequence[int] | None = None  # only words inside passages coded with one of these
    coder_ids: Sequence[int] | None = None
    # Only words lying wholly inside a passage of one of these passage sets (a word
    # across a passage's edge is outside it, as a word across a coded passage's edge is).
    passage_set_ids: Sequence[int] | None = None


class NewSegment(NamedTuple):
    """A segment to store: kind, span, the index of its turn, and its search terms.

    A named tuple rather than a dataclass: an import makes one per sentence, paragraph
    and turn, hundreds of thousands of them.
    """

    kind: SegmentKind
    start: int
    end: int
    turn_index: int | None
    terms: str | None = None


@dataclass(frozen=True)
class TopicRun:
    id: int
    label: str | None
    unit: str
    parameters: dict
    versions: dict
    seed: int
    model_id: int | None
    topic_count: int
    created_at: datetime
    segments: int = 0


@dataclass(frozen=True)
class Topic:
    id: int
    run_id: int
    number: int
    label: str | None
    size: int
    terms: tuple[tuple[str, float], ...]
    representatives: tuple[int, ...]  # segment ids, best first
    candidate_code_id: int | None = None

    def name(self, words: int = 4) -> str:
        """The label a researcher gave, else the topic's first terms."""
        if self.label:
            return self.label
        if self.number == -1:
            return "outliers"
        return "_".join(t for t, _ in self.terms[:words]) or f"topic {self.number}"


@dataclass(frozen=True)
class NewTopic:
    number: int
    size: int
    terms: Sequence[tuple[str, float]]
    representatives: Sequence[int]


@dataclass(frozen=True)
class Assignment:
    """One segment's topic, with where the segment lies (for passages and attribution)."""

    segment_id: int
    topic_number: int
    probability: float | None
    document_id: int
    start: int
    end: int
    turn_id: int | None = None


@dataclass(frozen=True)
class Feedback:
    """A coder's verdict on one suggested code for one span."""

    id: int
    document_id: int
    start: int
    end: int
    code_id: int
    coder_id: int | None
    verdict: str  # "accepted" | "rejected"
    score: float | None
    at: datetime


def coded_passages(rows: Sequence[Sequence], document_attributes: dict[int, dict[str, str]],
                   speaker_attributes: dict[int, dict[str, str]]) -> list[CodedPassage]:
    """Passages from the rows of the retrieval query (on either read path), each with its
    document's attributes overlaid by its speaker's."""
    passages = []
    for (cid, doc_id, doc_name, code_id, key, label, coder, start, end, origin, speaker,
         speaker_id, weight, text, before, after) in rows:
        attributes = dict(document_attributes.get(doc_id, {}))
        attributes.update(speaker_attributes.get(speaker_id, {}))
        passages.append(CodedPassage(
            coding_id=cid, document_id=doc_id, document_name=doc_name, code_id=code_id,
            code_key=key, code_label=label, coder=coder, start=start, end=end, text=text,
            origin=origin, speaker=speaker, attributes=attributes, before=before or "",
            after=after or "", weight=weight))
    return passages
