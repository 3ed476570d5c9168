"""What a team needs to know about its coders: who coded what, and what a merge did.

Plain frozen dataclasses; the storage package fills them, the CLI and the workbench
show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a coder may do in a project that has roles (one with a supervisor)."""

    READER = "reader"  # reads, changes nothing
    CODER = "coder"  # codes, writes memos, undoes their own changes
    SUPERVISOR = "supervisor"  # also adjudicates, draws samples, changes the codebook and the corpus


class Action(StrEnum):
    """The kinds of change the roles tell apart."""

    CODE = "code"  # codings, memos, weights, undo, marking a sample done
    SUPERVISE = "supervise"  # codebooks, samples, adjudication, documents, coders' names and roles


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.READER: frozenset(),
    Role.CODER: frozenset({Action.CODE}),
    Role.SUPERVISOR: frozenset({Action.CODE, Action.SUPERVISE}),
}


def parse_role(text: str) -> Role:
    """A role from what a user typed; ValueError names the roles there are."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(f"'{text}' is not a role; the roles are {', '.join(r.value for r in Role)}.") from None


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
    # The role set for this coder; None: not set (a coder, or anyone while no supervisor is set).
    role: str | None = None


@dataclass(frozen=True)
class CoderMerge:
    """What merging one coder into another moved and what it left out as a double."""

    source: str
    target: str
    codings_moved: int
    codings_doubled: int
    memos_moved: int  # memos the merged coder wrote (now the other coder's)
    samples_moved: int
