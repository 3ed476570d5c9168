"""Coding as a picture: the plain data behind a codeline, a code x document overview and
a code co-occurrence network, and the block-character strips the workbench draws.

Services build these from the project; :mod:`qualcode.exporters.coding_pictures` draws
them with matplotlib and the workbench draws them in the terminal. Offsets are the
project's ``[start, end)`` code points of the stored text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Spans = tuple[tuple[int, int], ...]

SHARES = " ░▒▓█"  # a terminal cell's coverage, none to whole


@dataclass(frozen=True)
class CodelineRow:
    """One strip: a code (for one coder when the codeline is split by coder)."""

    key: str
    label: str
    colour: str | None
    coder: str | None  # None: every counted coder's codings in one row
    spans: Spans


@dataclass(frozen=True)
class Codeline:
    document: str
    document_id: int
    length: int  # characters of the document's text
    rows: tuple[CodelineRow, ...]
    turns: tuple[tuple[int, int, str, bool], ...]  # start, end, speaker, is the interviewer
    caption: str


@dataclass(frozen=True)
class CodeDocumentMatrix:
    """Which documents carry which codes: codings per cell and the share of the text."""

    codebook: str
    row_keys: tuple[str, ...]
    row_labels: tuple[str, ...]
    row_colours: tuple[str | None, ...]
    depths: tuple[int, ...]
    documents: tuple[str, ...]
    document_ids: tuple[int, ...]
    counts: tuple[tuple[int, ...], ...]
    shares: tuple[tuple[float, ...], ...]  # covered characters / the document's characters
    measure: str  # "count" or "share": what the picture shades
    caption: str

    def values(self) -> tuple[tuple[float, ...], ...]:
        if self.measure == "share":
            return self.shares
        return tuple(tuple(float(v) for v in row) for row in self.counts)


@dataclass(frozen=True)
class NetworkNode:
    key: str
    label: str
    colour: str | None
    codings: int


@dataclass(frozen=True)
class CodeNetwork:
    codebook: str
    nodes: tuple[NetworkNode, ...]
    edges: tuple[tuple[int, int, int], ...]  # node index, node index (first < second), pairs
    mode: str
    caption: str


def merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans' union as disjoint spans in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def covered(spans: Sequence[tuple[int, int]]) -> int:
    """Characters inside at least one span (overlaps counted once)."""
    return sum(end - start for start, end in merged(spans))


def strip(spans: Sequence[tuple[int, int]], length: int, width: int) -> str:
    """``width`` cells for a document of ``length`` characters, each cell shaded by how
    much of its stretch of text the spans cover (blank: none, full block: all)."""
    if width <= 0:
        return ""
    if length <= 0:
        return " " * width
    cells = [0.0] * width
    step = length / width
    for start, end in merged(spans):
        start, end = max(0, start), min(length, end)
        if end <= start:
            continue
        first, last = int(start / step), min(int((end - 1) / step), width - 1)
        for cell in range(first, last + 1):
            lo, hi = cell * step, (cell + 1) * step
            cells[cell] += max(0.0, min(hi, end) - max(lo, start)) / step
    out = []
    for share in cells:
        share = min(share, 1.0)
        out.append(SHARES[0] if share <= 0 else SHARES[min(len(SHARES) - 1, 1 + int(share * (len(SHARES) - 2) + 0.5))])
    return "".join(out)
