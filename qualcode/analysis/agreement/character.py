"""Character-level agreement of two coders, as NVivo's coding comparison reports it.

Every character of a document is a unit; for one code, each coder either coded it or
not. From the four counts (both, only A, only B, neither):

- agreement over all characters = (both + neither) / length;
- agreement over coded characters = both / (both + only A + only B), the share of the
  text either coder coded that both coded (unlike the first, it is not inflated when
  most of the text is uncoded);
- kappa = (p_o - p_e) / (1 - p_e) with p_e = pA pB + (1 - pA)(1 - pB) (Cohen 1960;
  the two chance terms are added).

Kappa is undefined when neither coder coded any character of the document, or both
coded all of it; qualcode reports it as undefined with that reason. NVivo's
documentation states kappa 1 (and 100 % agreement) there, since the coders agree
completely: under ``convention="nvivo"`` it is 1.
"""

from __future__ import annotations

import numpy as np

from qualcode.analysis.agreement.units import Spans, merged, offsets


def _intersection_by_document(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                              base: np.ndarray) -> np.ndarray:
    """Length of A n B per document, for disjoint sorted interval lists on the continuum."""
    points = np.concatenate([a[0], a[1], b[0], b[1]])
    delta_a = np.concatenate([np.ones(len(a[0])), -np.ones(len(a[1])), np.zeros(2 * len(b[0]))])
    delta_b = np.concatenate([np.zeros(2 * len(a[0])), np.ones(len(b[0])), -np.ones(len(b[1]))])
    result = np.zeros(len(base), dtype=np.int64)
    if len(points) == 0:
        return result
    order = np.argsort(points, kind="stable")
    points, cover_a, cover_b = points[order], np.cumsum(delta_a[order]), np.cumsum(delta_b[order])
    lengths = np.diff(points)
    both = (cover_a[:-1] > 0) & (cover_b[:-1] > 0) & (lengths > 0)
    doc = np.searchsorted(base, points[:-1][both], side="right") - 1
    np.add.at(result, doc, lengths[both])
    return result


def _length_by_document(a: tuple[np.ndarray, np.ndarray], base: np.ndarray) -> np.ndarray:
    result = np.zeros(len(base), dtype=np.int64)
    if len(a[0]):
        np.add.at(result, np.searchsorted(base, a[0], side="right") - 1, a[1] - a[0])
    return result


def character_counts(spans: Spans, lengths: np.ndarray, n_codes: int, coder_a: int,
                     coder_b: int) -> np.ndarray:
    """Counts (codes x documents x 4): both, only A, only B, neither."""
    lengths = np.asarray(lengths, dtype=np.int64)
    base = offsets(lengths)
    out = np.zeros((n_codes, len(lengths), 4), dtype=np.int64)
    pos_s = base[spans.document] + spans.start
    pos_e = base[spans.document] + spans.end
    for code in range(n_codes):
        in_code = spans.code == code
        a_mask, b_mask = in_code & (spans.coder == coder_a), in_code & (spans.coder == coder_b)
        a = merged(pos_s[a_mask], pos_e[a_mask])
        b = merged(pos_s[b_mask], pos_e[b_mask])
        both = _intersection_by_document(a, b, base)
        len_a, len_b = _length_by_document(a, base), _length_by_document(b, base)
        out[code, :, 0] = both
        out[code, :, 1] = len_a - both
        out[code, :, 2] = len_b - both
        out[code, :, 3] = lengths - len_a - len_b + both
    return out


def character_statistics(counts: np.ndarray, convention: str = "qualcode") -> dict[str, np.ndarray]:
    """Agreement over all characters, over coded characters, kappa and its chance term p_e,
    for (..., 4) counts."""
    counts = np.asarray(counts, dtype=np.float64)
    both, only_a, only_b, neither = (counts[..., i] for i in range(4))
    total = counts.sum(axis=-1)
    coded = both + only_a + only_b
    with np.errstate(invalid="ignore", divide="ignore"):
        po = (both + neither) / total
        pa = (both + only_a) / total
        pb = (both + only_b) / total
        pe = pa * pb + (1 - pa) * (1 - pb)
        kappa = np.where(pe < 1 - 1e-12, (po - pe) / (1 - pe), np.nan)
        agreement_coded = np.where(coded > 0, both / coded, np.nan)
    if convention == "nvivo":
        kappa = np.where((total > 0) & (po >= 1 - 1e-12), 1.0, kappa)
    return {"char_agreement_all": np.where(total > 0, po, np.nan),
            "char_agreement_coded": agreement_coded, "char_kappa": kappa,
            "char_pe": np.where(total > 0, pe, np.nan)}
