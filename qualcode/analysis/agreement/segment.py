"""Segment-unit agreement (sentences or turns), per code and pooled, without corpus-sized
temporaries per code.

Every statistic is a sum of per-unit features (:mod:`segment_stats`). A unit nobody
coded with a code has the same features as every other such unit with the same
pattern of missing coders, so a code's sums are

    sum over units coded by someone (f_u - f_pattern(u)) + sum over patterns f_p * n_p,

and a bootstrap resample is the same with draw counts in place of ones. Only the units
a code was applied to are ever turned into features, and they are kept sparse.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from qualcode.analysis.agreement import bootstrap as boot
from qualcode.analysis.agreement import segment_stats as st

K = 2  # presence / absence


@dataclass(frozen=True)
class Layout:
    """Where each family of features sits in a feature row."""

    m: int

    @property
    def ac1(self) -> slice:
        return slice(0, 3 + K)

    @property
    def alpha(self) -> slice:
        return slice(3 + K, 4 + 2 * K)

    @property
    def kappa(self) -> slice:
        return slice(4 + 2 * K, 4 + 2 * K + self.kappa_width)

    @property
    def kappa_width(self) -> int:
        if self.m < 2:
            return 1
        return 2 + 2 * K if self.m == 2 else 2 + K

    @property
    def width(self) -> int:
        return 4 + 2 * K + self.kappa_width


def features(values: np.ndarray, layout: Layout) -> np.ndarray:
    """Feature rows (units x layout.width) for a units x coders table of 0/1/-1."""
    counts = st.category_counts(values, K)
    if layout.m >= 2:
        kappa = st.cohen_features(values, K) if layout.m == 2 else st.fleiss_features(values, K)
    else:
        kappa = np.zeros((values.shape[0], 1))
    return np.hstack([st.ac1_features(counts), st.alpha_features(counts), kappa])


@dataclass(frozen=True)
class Group:
    """One row of the table: its codes and the units it counts (None: every unit)."""

    codes: tuple[int, ...]
    units: np.ndarray | None  # boolean mask over units


class SegmentSums:
    """Per-group feature sums, for the point estimate and for bootstrap resamples.

    The corrections ``f_u - f_pattern(u)`` of every code sit in one sparse matrix (units x
    codes * width) with rows only where the code was applied, so a batch of resamples is
    one sparse product for all codes at once."""

    def __init__(self, values: np.ndarray, layout: Layout) -> None:
        n_codes, n_units, m = values.shape
        self.layout = layout
        self.n_units = n_units
        self.n_codes = n_codes
        self._indicator: np.ndarray | None = None
        missing = values[0] < 0 if n_codes else np.zeros((n_units, m), dtype=bool)
        patterns, self.pattern = _patterns(missing)
        base_values = np.where(patterns, -1, 0).astype(np.int8)
        self.baseline = features(base_values, layout) if len(patterns) else np.zeros((0, layout.width))
        # every (code, unit) some coder applied the code to, turned into features at once
        applied = np.zeros((n_codes, n_units), dtype=bool)
        for coder in range(m):  # one pass per coder beats a reduction over the short last axis
            applied |= values[:, :, coder] == 1
        self.code, self.rows = np.nonzero(applied)
        self.delta = features(values[self.code, self.rows], layout) - self.baseline[self.pattern[self.rows]]
        self._sparse = None  # built for the bootstrap only (scipy.sparse takes a while to import)

    @property
    def corrections(self):  # type: ignore[no-untyped-def]
        """The corrections as a sparse units x (codes * width) matrix."""
        if self._sparse is None:
            from scipy import sparse

            width = self.layout.width
            self._sparse = sparse.csr_matrix(
                (self.delta.ravel(), (np.repeat(self.rows, width),
                                      (self.code[:, None] * width + np.arange(width)[None, :]).ravel())),
                shape=(self.n_units, self.n_codes * width))
        return self._sparse

    def sums(self, groups: list[Group], weights: np.ndarray | None = None) -> np.ndarray:
        """(resamples x groups x width); ``weights`` (resamples x units) or None for ones."""
        resamples = 1 if weights is None else weights.shape[0]
        width = self.layout.width
        out = np.zeros((resamples, len(groups), width))
        n_patterns = len(self.baseline)
        everywhere = None  # per pattern and per code over all units, shared by the groups
        for g, group in enumerate(groups):
            mask = group.units
            if mask is None:
                if everywhere is None:
                    everywhere = self._over(None, weights)
                per_pattern, per_code = everywhere
            else:
                per_pattern, per_code = self._over(mask, weights)
            if n_patterns:
                out[:, g] = len(group.codes) * (per_pattern @ self.baseline)
            if group.codes:
                out[:, g] += per_code[:, list(group.codes)].sum(axis=1)
        return out

    def _over(self, mask: np.ndarray | None, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Units (or their draws) per pattern, and the corrections per code, over ``mask``."""
        pattern = self.pattern if mask is None else self.pattern[mask]
        if weights is None:
            per_pattern = np.bincount(pattern, minlength=len(self.baseline))[None, :].astype(np.float64)
            keep = slice(None) if mask is None else mask[self.rows]
            code, delta = self.code[keep], self.delta[keep]
            per_code = np.column_stack([np.bincount(code, weights=delta[:, j], minlength=self.n_codes)
                                        for j in range(self.layout.width)]).reshape(1, -1)
        else:
            matrix = self.corrections if mask is None else self.corrections[np.flatnonzero(mask)]
            w = weights if mask is None else weights[:, mask]
            onehot = self._onehot() if mask is None else self._onehot()[mask]
            per_pattern = w @ onehot
            per_code = np.asarray((matrix.T @ w.T).T)
        return per_pattern, per_code.reshape(per_code.shape[0], self.n_codes, self.layout.width)

    def _onehot(self) -> np.ndarray:
        """Units x patterns indicator (float32), so a resample's draws per pattern are one product."""
        if self._indicator is None:
            self._indicator = np.zeros((self.n_units, len(self.baseline)), dtype=np.float32)
            self._indicator[np.arange(self.n_units), self.pattern] = 1
        return self._indicator

    def resampled(self, groups: list[Group], resamples: int, seed: int,
                  cancel: threading.Event | None) -> np.ndarray:
        out = np.empty((resamples, len(groups), self.layout.width))
        for first, weights in boot.resample_weights(self.n_units, resamples, seed, cancel=cancel):
            out[first:first + len(weights)] = self.sums(groups, weights)
        return out


def _patterns(missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a units x coders table of missing values, in the order
    ``np.unique(axis=0)`` gives them, and each unit's row among them. A row is read as a
    binary number (first coder highest), so this sorts integers rather than rows."""
    n_units, m = missing.shape
    if m > 62:
        patterns, inverse = np.unique(missing, axis=0, return_inverse=True)
        return patterns, inverse.reshape(-1)
    bits = np.left_shift(np.int64(1), np.arange(m - 1, -1, -1, dtype=np.int64))
    keys, inverse = np.unique(missing.astype(np.int64) @ bits, return_inverse=True)
    patterns = (keys[:, None] & bits[None, :]) != 0
    return patterns, inverse.reshape(-1)


def statistics_from_sums(sums: np.ndarray, layout: Layout) -> dict[str, np.ndarray]:
    """Every figure of the segment unit from (..., width) sums."""
    m = layout.m
    s_ac1, s_alpha, s_kappa = sums[..., layout.ac1], sums[..., layout.alpha], sums[..., layout.kappa]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"percent_agreement": st.percent_from_sums(s_ac1[..., :2]),
               "gwet_ac1": st.ac1_from_sums(s_ac1),
               "krippendorff_alpha": st.alpha_from_sums(s_alpha),
               "krippendorff_de": st.alpha_de_from_sums(s_alpha)}
        if m == 2:
            out["cohen_kappa"] = st.cohen_from_sums(s_kappa)
            out["cohen_pe"] = st.cohen_pe_from_sums(s_kappa)
        elif m > 2:
            out["fleiss_kappa"] = st.fleiss_from_sums(s_kappa, m)
            out["fleiss_pe"] = st.fleiss_pe_from_sums(s_kappa, m)
    return out
