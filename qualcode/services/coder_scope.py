"""Whose codings a comparison counts, when nobody said: one coder, never a silent pool.

Pooling every coder counts a double-coded passage once per coder, so a cell reads
"19 passages" where two coders coded the same text. Comparisons (the matrix, ``qualcode
compare``, ``export figure``) therefore default to one coder: the consensus coder where
adjudication has produced agreed codings, else the coder who coded the most documents. Pooling
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
    """The coders to count (empty: every coder, pooled) and a sentence saying so."""

    coders: tuple[str, ...]
    note: str


def resolve(store: Store, requested: Sequence[str] | None, *, by: str | None = None) -> CoderScope:
    """The coders a comparison counts, from what was asked (``--coder``, possibly ``all``)."""
    asked = tuple(name.strip() for name in requested or () if name.strip())
    if any(name.lower() == ALL for name in asked):
        return CoderScope((), "Every coder pooled (--coder all): a passage coded by two coders counts twice.")
    if asked:
        pooled = " pooled: a passage coded by two of them counts twice" if len(asked) > 1 else ""
        return CoderScope(asked, f"Coder{'s' if len(asked) > 1 else ''}: {', '.join(asked)}{pooled}.")
    if by == "coder":
        return CoderScope((), "Every coder, one column each.")
    coders = [c for c in coders_with_counts(store) if c.codings]
    if not coders:
        return CoderScope((), "No codings yet.")
    consensus = next((c for c in coders if c.name == CONSENSUS), None)
    if consensus is not None:
        return CoderScope((CONSENSUS,), f"Coder: {CONSENSUS} (the agreed codings); "
                                        "--coder NAME for one coder, --coder all to pool every coder.")
    if len(coders) == 1:
        return CoderScope((coders[0].name,), f"Coder: {coders[0].name} (the only coder).")
    # the widest coverage first: a coder of six documents of seventeen makes a thin matrix
    busiest = min(coders, key=lambda c: (-c.documents, -c.codings, c.name))
    return CoderScope((busiest.name,), f"Coder: {busiest.name} (most documents coded of {len(coders)} coders); "
                                       "--coder NAME for another, --coder all to pool every coder.")
