"""Where a screen sends the reader: kept apart so that the main screen names it without
loading the screens that make one (search, retrieval, the analyses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Jump:
    """Where to go: a document and a span in it; ``hits`` lets 'next hit' go on."""

    document_id: int
    start: int
    end: int
    hits: tuple[tuple[int, int, int], ...] = ()
