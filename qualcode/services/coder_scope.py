"""Whose codings a comparison counts, when nobody said: one coder, never a silent pool.

Pooling every coder counts a double-coded passage once per coder, so a cell reads
"19 passages" where two coders coded the same text. Comparisons (the matrix, ``qualcode
compare``, ``export figure``) therefore default to one coder: the consensus coder where
adjudication has produced agreed codings in as many documents as any coder has coded,
else the coder who coded the most documents (a partly adjudicated sample would otherwise
make the default a matrix of a few documents). Pooling
stays possible on purpose with ``--coder all``; every caller shows the note saying which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.services.agreement import CONSENSUS
from qualcode.services.workbench import coders_with_counts
from qualcode.storage.store import Store

ALL = "all"


@dataclass(frozen=True)
class CoderScope:
    """The coders to count (empty: every coder, pooled) and a sentence saying so.

    ``note`` is the whole sentence, with the command line's way to choose otherwise;
    ``who`` says only whose codings are counted, without a closing full stop (what a
    screen shows, beside its own coder field)."""

    coders: tuple[str, ...]
    note: str
    who: str


def scope_of(coders: tuple[str, ...], who: str, choose: str = "") -> CoderScope:
    """A scope from whose codings are counted and, optionally, how to choose otherwise."""
    return CoderScope(coders, f"{who}; {choose}" if choose else f"{who}.", who)


def resolve(store: Store, requested: Sequence[str] | None, *, by: str | None = None) -> CoderScope:
    """The coders a comparison counts, from what was asked (``--coder``, possibly ``all``)."""
    asked = tuple(name.strip() for name in requested or () if name.strip())
    if any(name.lower() == ALL for name in asked):
        return scope_of((), "Every coder pooled (--coder all): a passage coded by two coders counts twice")
    if asked:
        pooled = " pooled: a passage coded by two of them counts twice" if len(asked) > 1 else ""
        return scope_of(asked, f"Coder{'s' if len(asked) > 1 else ''}: {', '.join(asked)}{pooled}")
    if by == "coder":
        return scope_of((), "Every coder, one column each")
    coders = [c for c in coders_with_counts(store) if c.codings]
    if not coders:
        return scope_of((), "No codings yet")
    consensus = next((c for c in coders if c.name == CONSENSUS), None)
    # the widest coverage first: a coder of six documents of seventeen makes a thin matrix
    busiest = min((c for c in coders if c.name != CONSENSUS), key=lambda c: (-c.documents, -c.codings, c.name),
                  default=None)
    if consensus is not None and (busiest is None or consensus.documents >= busiest.documents):
        return scope_of((CONSENSUS,), f"Coder: {CONSENSUS} (the agreed codings)",
                      "--coder NAME for one coder, --coder all to pool every coder.")
    assert busiest is not None
    if len(coders) == 1:
        return scope_of((busiest.name,), f"Coder: {busiest.name} (the only coder)")
    partial = (f"; {CONSENSUS} has agreed codings in only {consensus.documents} of them"
               if consensus is not None else "")
    return scope_of((busiest.name,), f"Coder: {busiest.name} (most documents coded of {len(coders)} coders{partial})",
                  "--coder NAME for another, --coder all to pool every coder.")
