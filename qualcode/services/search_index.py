"""Whether a project's search index was made by the current lemmatizer.

Opening a project asks this every time; the answer is one settings row, so the check
imports neither the lemmatizer nor its tables. Only a project whose index is out of
date loads :mod:`qualcode.services.lemmas` to rebuild it.
"""

from __future__ import annotations

from threading import Event
from typing import TYPE_CHECKING

from qualcode.analysis.lemma_version import LEMMATIZER_VERSION
from qualcode.storage.lite import INDEX_SETTING

if TYPE_CHECKING:
    from qualcode.services.lemmas import Progress
    from qualcode.storage.store import Store



def index_is_current(store: Store) -> bool:
    with store.unit_of_work() as uow:
        return uow.settings.get(INDEX_SETTING) == LEMMATIZER_VERSION


def ensure_search_index(store: Store, progress: Progress | None = None, cancel: Event | None = None) -> int:
    """Rebuild the search terms if another lemmatizer made them (a project from before
    the current one); returns how many documents were re-indexed. One transaction."""
    if index_is_current(store):
        return 0
    from qualcode.services.lemmas import reindex

    return reindex(store, progress, cancel)
