"""Coded-segment agreement of two coders, as MAXQDA's intercoder agreement reports it.

Every coded segment of coder A is checked for a segment of coder B with the same code
in the same document that overlaps it by at least ``threshold`` (default 0.9), and
every segment of B likewise against A. Overlap is the characters both segments share
divided by, under ``overlap="union"`` (the default), the characters either covers
(intersection over union), or under ``overlap="longer"`` the longer of the two
segments: MAXQDA's manual speaks of the share of "the segment area", which reads
either way. "longer" is the more lenient: it is never below the union ratio. Agreement = matched segments / all segments checked, from
both sides. There is no "neither coded" cell here, so no chance correction is made.

A coder's overlapping segments of one code are first merged into one segment.
"""

from __future__ import annotations

import numpy as np

from qualcode.analysis.agreement.units import Spans, merged, offsets

OVERLAPS = ("union", "longer")


def _matched(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
             threshold: float, overlap: str = "union") -> np.ndarray:
    """For each interval of A: does some interval of B reach the overlap threshold?"""
    a_s, a_e = a
    b_s, b_e = b
    result = np.zeros(len(a_s), dtype=bool)
    if len(a_s) == 0 or len(b_s) == 0:
        return result
    lo = np.searchsorted(b_e, a_s, side="right")  # first B ending after A starts
    hi = np.searchsorted(b_s, a_e, side="left")  # B starting before A ends
    count = np.maximum(hi - lo, 0)
    which = np.repeat(np.arange(len(a_s)), count)
    first = np.repeat(lo - np.cumsum(count) + count, count)
    other = first + np.arange(count.sum())
    inter = np.minimum(a_e[which], b_e[other]) - np.maximum(a_s[which], b_s[other])
    if overlap == "longer":
        base = np.maximum(a_e[which] - a_s[which], b_e[other] - b_s[other])
    else:
        base = np.maximum(a_e[which], b_e[other]) - np.minimum(a_s[which], b_s[other])
    good = inter >= threshold * base - 1e-9
    result[which[good & (inter > 0)]] = True
    return result


def overlap_counts(spans: Spans, lengths: np.ndarray, n_codes: int, coder_a: int, coder_b: int,
                   threshold: float = 0.9, overlap: str = "union") -> np.ndarray:
    """Counts (codes x documents x 4): A matched, A segments, B matched, B segments."""
    base = offsets(np.asarray(lengths, dtype=np.int64))
    out = np.zeros((n_codes, len(base), 4), dtype=np.int64)
    pos_s = base[spans.document] + spans.start
    pos_e = base[spans.document] + spans.end
    for code in range(n_codes):
        in_code = spans.code == code
        a_mask, b_mask = in_code & (spans.coder == coder_a), in_code & (spans.coder == coder_b)
        a = merged(pos_s[a_mask], pos_e[a_mask])
        b = merged(pos_s[b_mask], pos_e[b_mask])
        a_doc = np.searchsorted(base, a[0], side="right") - 1
        b_doc = np.searchsorted(base, b[0], side="right") - 1
        np.add.at(out[code, :, 0], a_doc, _matched(a, b, threshold, overlap))
        np.add.at(out[code, :, 1], a_doc, 1)
        np.add.at(out[code, :, 2], b_doc, _matched(b, a, threshold, overlap))
        np.add.at(out[code, :, 3], b_doc, 1)
    return out


def overlap_agreement(counts: np.ndarray) -> np.ndarray:
    """Matched segments / segments checked, for (..., 4) counts; NaN when nobody coded."""
    counts = np.asarray(counts, dtype=np.float64)
    checked = counts[..., 1] + counts[..., 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(checked > 0, (counts[..., 0] + counts[..., 2]) / checked, np.nan)
