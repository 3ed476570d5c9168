"""Turning coders' spans into what the statistics count.

Spans and units arrive as plain integer arrays (:class:`Spans`, :class:`Units`);
documents, codes and coders are indices into lists the caller keeps. Documents are
laid end to end on one *continuum* (each followed by one separator position), so a
span's place on it is ``offset[document] + start``.

Rule for segment units: a coder applied a code to a unit when one of their codings
of that code overlaps the unit by at least half of the unit, or by at least half of
the coding (a short coding inside a long sentence still counts). A coder who did
not code a document at all has *missing* values (-1) on its units, not absences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spans:
    """Codings as parallel arrays: document, code and coder indices, [start, end)."""

    document: np.ndarray
    code: np.ndarray
    coder: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, int, int, int, int]]) -> Spans:
        """From (document, code, coder, start, end) tuples."""
        array = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
        return cls(*(array[:, i].copy() for i in range(5)))

    def __len__(self) -> int:
        return len(self.start)

    def where(self, mask: np.ndarray) -> Spans:
        return Spans(self.document[mask], self.code[mask], self.coder[mask], self.start[mask],
                     self.end[mask])


@dataclass(frozen=True)
class Units:
    """Segments (sentences or turns) as parallel arrays: document index, [start, end)."""

    document: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def offsets(lengths: np.ndarray) -> np.ndarray:
    """Where each document starts on the continuum (one separator after each)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)


RULES = ("half", "any")


def hits(spans: Spans, units: Units, lengths: np.ndarray, rule: str = "half"
         ) -> tuple[np.ndarray, np.ndarray]:
    """Which coding counts for which unit: (span indices, unit indices), parallel.

    ``rule`` "half" is qualcode's (at least half of the unit or of the coding);
    "any" counts a unit as coded when any character of it is coded (NVivo's rule for
    sentence and paragraph units).
    """
    base = offsets(lengths)
    u_start = base[units.document] + units.start
    u_end = base[units.document] + units.end
    order = np.argsort(u_start, kind="stable")
    u_start, u_end = u_start[order], u_end[order]
    if not len(spans) or not len(units):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    s = base[spans.document] + spans.start
    e = base[spans.document] + spans.end
    lo = np.searchsorted(u_end, s, side="right")
    hi = np.searchsorted(u_start, e, side="left")
    count = np.maximum(hi - lo, 0)
    which = np.repeat(np.arange(len(s)), count)
    first = np.repeat(lo - np.cumsum(count) + count, count)
    unit = first + np.arange(count.sum())
    overlap = np.minimum(e[which], u_end[unit]) - np.maximum(s[which], u_start[unit])
    keep = overlap > 0
    if rule == "half":
        keep &= (2 * overlap >= u_end[unit] - u_start[unit]) | (2 * overlap >= e[which] - s[which])
    return which[keep], order[unit[keep]]


def presence(spans: Spans, units: Units, lengths: np.ndarray, n_codes: int, n_coders: int,
             coded_documents: np.ndarray, rule: str = "half") -> np.ndarray:
    """Values (codes x units x coders): 1 coded, 0 not coded, -1 coder did not code the document.

    ``coded_documents`` is a (documents x coders) boolean table of who coded what.
    """
    result = np.zeros((n_codes, len(units), n_coders), dtype=np.int8)
    span, unit = hits(spans, units, lengths, rule)
    result[spans.code[span], unit, spans.coder[span]] = 1
    missing = ~np.asarray(coded_documents, dtype=bool)[units.document]  # units x coders
    result[:, missing] = -1
    return result


def unit_weights(spans: Spans, weights: np.ndarray, units: Units, lengths: np.ndarray, code: int,
                 n_coders: int, rule: str = "half") -> np.ndarray:
    """Weights of one code per unit (units x coders, NaN where the coder gave none): the
    largest weight among the coder's codings of the code that count for the unit."""
    mine = spans.code == code
    values = np.full((len(units), n_coders), np.nan)
    sub = spans.where(mine)
    span, unit = hits(sub, units, lengths, rule)
    w = np.asarray(weights, dtype=np.float64)[mine][span]
    keep = ~np.isnan(w)
    span, unit, w = span[keep], unit[keep], w[keep]
    order = np.argsort(w, kind="stable")  # the last write per cell is the largest weight
    values[unit[order], sub.coder[span[order]]] = w[order]
    return values


def merged(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping or touching intervals joined; result sorted and disjoint."""
    if len(start) == 0:
        return np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    order = np.lexsort((end, start))
    s, e = np.asarray(start)[order], np.asarray(end)[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > reach[:-1]
    groups = np.cumsum(new) - 1
    out_end = np.zeros(groups[-1] + 1, dtype=np.int64)
    np.maximum.at(out_end, groups, e)
    return s[new].astype(np.int64), out_end


def group_keys(spans: Spans, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Continuum positions of spans: (code, start, end) with documents laid end to end."""
    return spans.code, base[spans.document] + spans.start, base[spans.document] + spans.end


def merged_by_code_coder(spans: Spans, base: np.ndarray, n_codes: int, n_coders: int
                         ) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Each coder's spans of each code merged on the continuum: (code, coder) -> (starts, ends)."""
    code, s, e = group_keys(spans, base)
    result: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    order = np.lexsort((spans.coder, code))
    code_sorted, coder_sorted = code[order], spans.coder[order]
    keys = code_sorted * max(n_coders, 1) + coder_sorted
    bounds = np.flatnonzero(np.diff(keys)) + 1
    for chunk in np.split(np.arange(len(order)), bounds):
        if len(chunk) == 0:
            continue
        idx = order[chunk]
        result[(int(code[idx[0]]), int(spans.coder[idx[0]]))] = merged(s[idx], e[idx])
    return result


def self_overlaps(spans: Spans) -> int:
    """How many spans overlap an earlier span of the same coder, code and document."""
    return int(overlapping(spans, spans.code).sum())


def overlapping(spans: Spans, group: np.ndarray) -> np.ndarray:
    """Which spans overlap an earlier span of the same coder, document and ``group``
    (a code, or a set of codes meant to be mutually exclusive), in the spans' order."""
    found = np.zeros(len(spans), dtype=bool)
    if len(spans) == 0:
        return found
    order = np.lexsort((spans.start, spans.document, spans.coder, group))
    g, k, d = group[order], spans.coder[order], spans.document[order]
    s, e = spans.start[order], spans.end[order]
    same = np.ones(len(order), dtype=bool)
    same[1:] = (g[1:] == g[:-1]) & (k[1:] == k[:-1]) & (d[1:] == d[:-1])
    same[0] = False
    reach = _grouped_running_max(e, np.cumsum(~same))
    hits = same.copy()
    hits[1:] &= s[1:] < reach[:-1]
    found[order] = hits
    return found


def _grouped_running_max(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    offset = (group.astype(np.float64)) * (float(values.max()) + 1.0)
    return (np.maximum.accumulate(values + offset) - offset).astype(values.dtype)
