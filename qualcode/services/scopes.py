"""What ``--set`` and ``--doc`` leave to a command: :class:`Scope`.

Apart from :mod:`qualcode.services.sets` so that a command given no ``--set`` (most
runs of ``retrieve`` and ``search``) does not load the sets' module to learn that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.storage.store import Store


@dataclass(frozen=True)
class Scope:
    """What ``--set`` (with ``--doc``) leaves: the documents by name (None: every
    document), and the passage sets whose passages a result must overlap."""

    documents: list[str] | None
    passage_set_ids: list[int] | None = None


def scope(store: Store, set_names: Sequence[str] | None, documents: Sequence[str] | None = None, *,
          passages: bool = False, command: str = "this command") -> Scope:
    """:func:`qualcode.services.sets.scope`, which it calls only when sets are named."""
    if not set_names:
        return Scope(list(documents) if documents else None)
    from qualcode.services import sets

    return sets.scope(store, set_names, documents, passages=passages, command=command)
