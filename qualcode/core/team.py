"""What a team needs to know about its coders: who coded what, and what a merge did.

Plain frozen dataclasses; the storage package fills them, the CLI and the workbench
show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CoderSummary:
    """A coder's share of the project: the answer to "where did my codings go"."""

    id: int
    name: str
    codings: int
    memos: int
    documents: int
    last_activity: datetime | None
    # Names merged into this coder; each still stands for them when someone codes under it.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoderMerge:
    """What merging one coder into another moved and what it left out as a double."""

    source: str
    target: str
    codings_moved: int
    codings_doubled: int
    memos_moved: int  # memos the merged coder wrote (now the other coder's)
    samples_moved: int
