"""Agreement statistics over a units x coders table of nominal values.

Input everywhere is ``values``: an integer array of shape (units, coders) holding a
category index in ``range(k)``, or -1 where that coder gave no value (missing). For
presence/absence of a code, ``k`` is 2 (0 absent, 1 present).

Every statistic is written in terms of per-unit *features* that are summed over
units, so the same code gives the point estimate (each unit weight 1) and a
bootstrap resample (units weighted by how often they were drawn): see
:mod:`qualcode.analysis.agreement.bootstrap`.

Convention for degenerate data: a statistic whose chance term leaves nothing to
correct (expected disagreement 0, e.g. every coder chose one category on every unit)
or that has no units to count is undefined and returned as ``nan`` here; the caller
turns it into ``None`` with a message (:func:`explain`). Percent agreement is
defined whenever there is at least one unit with two values.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------- counting


def category_counts(values: np.ndarray, k: int) -> np.ndarray:
    """``n[u, c]``: how many coders put unit ``u`` in category ``c`` (float, units x k)."""
    values = np.asarray(values)
    counts = np.zeros((values.shape[0], k), dtype=np.float64)
    for coder in range(values.shape[1]):  # a loop over few coders beats a strided reduction
        column = values[:, coder]
        for c in range(k):
            counts[:, c] += column == c
    return counts


def complete_units(values: np.ndarray) -> np.ndarray:
    """Mask of units every coder gave a value to (what kappa needs)."""
    return (np.asarray(values) >= 0).all(axis=1)


# ------------------------------------------------------------ per-unit features


def agreement_features(counts: np.ndarray) -> np.ndarray:
    """Columns [pairable, agreeing pairs share] for percent agreement and Gwet's AC1.

    The share for a unit is sum_c n_uc (n_uc - 1) / (m_u (m_u - 1)), the proportion of
    agreeing ordered pairs of coders on it (Fleiss 1971, eq. 2; Gwet 2014, Handbook of
    Inter-Rater Reliability, 4th ed., eq. 2.8); units with fewer than two values count 0.
    """
    m = counts.sum(axis=1)
    pairable = m >= 2
    denom = np.where(pairable, m * (m - 1), 1.0)
    share = np.where(pairable, (counts * (counts - 1)).sum(axis=1) / denom, 0.0)
    return np.column_stack([pairable.astype(np.float64), share])


def percent_from_sums(sums: np.ndarray) -> np.ndarray:
    """Mean proportion of agreeing coder pairs over pairable units."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums[..., 0] > 0, sums[..., 1] / sums[..., 0], np.nan)


def ac1_features(counts: np.ndarray) -> np.ndarray:
    """Columns [pairable, share, rated, pi_1..pi_k] for Gwet's AC1 (see :func:`ac1_from_sums`)."""
    m = counts.sum(axis=1)
    rated = m >= 1
    shares = np.where(rated[:, None], counts / np.where(rated, m, 1.0)[:, None], 0.0)
    return np.column_stack([agreement_features(counts), rated.astype(np.float64), shares])


def ac1_from_sums(sums: np.ndarray) -> np.ndarray:
    """Gwet's AC1 for any number of coders and missing values.

    Gwet (2008), Brit. J. Math. Stat. Psych. 61:29-48, and Gwet (2014), Handbook of
    Inter-Rater Reliability, 4th ed., sec. 2.5: p_a as in :func:`agreement_features`,
    pi_c = (1/n) sum_u n_uc / m_u over units rated at least once,
    p_e = 1/(k-1) sum_c pi_c (1 - pi_c), AC1 = (p_a - p_e) / (1 - p_e).
    """
    k = sums.shape[-1] - 3
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = sums[..., 1] / sums[..., 0]
        pi = sums[..., 3:] / sums[..., 2:3]
        pe = (pi * (1 - pi)).sum(axis=-1) / (k - 1)
        result = (pa - pe) / (1 - pe)
    return np.where((sums[..., 0] > 0) & (pe < 1 - 1e-12), result, np.nan)


def alpha_features(counts: np.ndarray) -> np.ndarray:
    """Columns [o_11 + ... + o_kk, n_1..n_k] of the coincidence matrix, per unit.

    Only pairable values (units with two or more) enter; the diagonal contribution of a
    unit is sum_c n_uc (n_uc - 1) / (m_u - 1) (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability", sec. C).
    """
    m = counts.sum(axis=1)
    pairable = m >= 2
    diag = np.where(pairable, (counts * (counts - 1)).sum(axis=1) / np.where(pairable, m - 1, 1.0), 0.0)
    return np.column_stack([diag, np.where(pairable[:, None], counts, 0.0)])


def alpha_from_sums(sums: np.ndarray) -> np.ndarray:
    """Nominal alpha = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2).

    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", eq. for nominal
    data; equivalent to 1 - D_o / D_e with D_o = (n - sum o_cc)/n and
    D_e = (n^2 - sum n_c^2) / (n (n - 1)).
    """
    diag = sums[..., 0]
    nc = sums[..., 1:]
    n = nc.sum(axis=-1)
    expected = n * n - (nc * nc).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = 1 - (n - 1) * (n - diag) / expected
    return np.where((n > 1) & (expected > 1e-9), result, np.nan)


def cohen_features(values: np.ndarray, k: int) -> np.ndarray:
    """Columns [complete, agree, a_1..a_k, b_1..b_k] for the first two coders."""
    values = np.asarray(values)
    a, b = values[:, 0], values[:, 1]
    complete = (a >= 0) & (b >= 0)
    columns = [complete, complete & (a == b)]
    columns += [complete & (a == c) for c in range(k)]
    columns += [complete & (b == c) for c in range(k)]
    return np.column_stack(columns).astype(np.float64)


def cohen_from_sums(sums: np.ndarray) -> np.ndarray:
    """Cohen's kappa (Cohen 1960, Educ. Psych. Meas. 20:37-46).

    kappa = (p_o - p_e) / (1 - p_e) with p_e = sum_c p_A(c) p_B(c): the chance term is
    the *sum* over categories of the product of the two coders' marginals (for
    presence/absence: pA pB + (1 - pA)(1 - pB)), never a product of the two terms.
    """
    k = (sums.shape[-1] - 2) // 2
    n = sums[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        po = sums[..., 1] / n
        pa = sums[..., 2:2 + k] / n[..., None]
        pb = sums[..., 2 + k:] / n[..., None]
        pe = (pa * pb).sum(axis=-1)
        result = (po - pe) / (1 - pe)
    return np.where((n > 0) & (pe < 1 - 1e-12), result, np.nan)


def fleiss_features(values: np.ndarray, k: int) -> np.ndarray:
    """Columns [complete, P_u, n_u1..n_uk] over units every coder rated."""
    counts = category_counts(values, k)
    m = values.shape[1]
    complete = complete_units(values)
    p_u = np.where(complete, ((counts * counts).sum(axis=1) - m) / (m * (m - 1)), 0.0)
    return np.column_stack([complete.astype(np.float64), p_u, np.where(complete[:, None], counts, 0.0)])


def fleiss_from_sums(sums: np.ndarray, m: int) -> np.ndarray:
    """Fleiss' kappa (Fleiss 1971, Psych. Bull. 76:378-382, eqs. 2-5 and 9).

    P-bar = mean of P_u, p_c = sum_u n_uc / (N m), P_e = sum_c p_c^2,
    kappa = (P-bar - P_e) / (1 - P_e); units with a missing value are left out.
    """
    n = sums[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_bar = sums[..., 1] / n
        p = sums[..., 2:] / (n[..., None] * m)
        pe = (p * p).sum(axis=-1)
        result = (p_bar - pe) / (1 - pe)
    return np.where((n > 0) & (pe < 1 - 1e-12), result, np.nan)


# ------------------------------------------------------------ expected agreement


def cohen_pe_from_sums(sums: np.ndarray) -> np.ndarray:
    """Cohen's chance agreement p_e = sum_c p_A(c) p_B(c) from :func:`cohen_features` sums."""
    k = (sums.shape[-1] - 2) // 2
    n = sums[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        pe = (sums[..., 2:2 + k] / n[..., None] * sums[..., 2 + k:] / n[..., None]).sum(axis=-1)
    return np.where(n > 0, pe, np.nan)


def fleiss_pe_from_sums(sums: np.ndarray, m: int) -> np.ndarray:
    """Fleiss' chance agreement P-bar_e = sum_c p_c^2 (Fleiss 1971, eq. 9)."""
    n = sums[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = sums[..., 2:] / (n[..., None] * m)
        pe = (p * p).sum(axis=-1)
    return np.where(n > 0, pe, np.nan)


def alpha_de_from_sums(sums: np.ndarray) -> np.ndarray:
    """Krippendorff's expected disagreement D_e = (n^2 - sum_c n_c^2) / (n (n - 1)), nominal."""
    nc = sums[..., 1:]
    n = nc.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        de = (n * n - (nc * nc).sum(axis=-1)) / (n * (n - 1))
    return np.where(n > 1, de, np.nan)


# ------------------------------------------------------------ point estimates


def percent_agreement(values: np.ndarray, k: int) -> float:
    return float(percent_from_sums(agreement_features(category_counts(values, k)).sum(axis=0)))


def cohen_kappa(values: np.ndarray, k: int) -> float:
    if np.asarray(values).shape[1] != 2:
        raise ValueError("Cohen's kappa compares exactly two coders")
    return float(cohen_from_sums(cohen_features(values, k).sum(axis=0)))


def fleiss_kappa(values: np.ndarray, k: int) -> float:
    values = np.asarray(values)
    return float(fleiss_from_sums(fleiss_features(values, k).sum(axis=0), values.shape[1]))


def krippendorff_alpha(values: np.ndarray, k: int) -> float:
    return float(alpha_from_sums(alpha_features(category_counts(values, k)).sum(axis=0)))


def gwet_ac1(values: np.ndarray, k: int) -> float:
    return float(ac1_from_sums(ac1_features(category_counts(values, k)).sum(axis=0)))


def kappa_name(n_coders: int) -> str:
    """Which kappa fits: Cohen's for two coders, Fleiss' for three or more."""
    return "cohen_kappa" if n_coders == 2 else "fleiss_kappa"


def kappa(values: np.ndarray, k: int) -> float:
    values = np.asarray(values)
    return cohen_kappa(values, k) if values.shape[1] == 2 else fleiss_kappa(values, k)


def explain(name: str, values: np.ndarray, k: int) -> str:
    """Why a statistic came out undefined, in words a supervisor can act on."""
    values = np.asarray(values)
    counts = category_counts(values, k)
    return explain_sums(name, values.shape[1], int((counts.sum(axis=1) >= 2).sum()),
                        int(complete_units(values).sum()), counts.sum(axis=0))


def explain_sums(name: str, n_coders: int, pairable: int, complete: int,
                 category_totals: np.ndarray) -> str:
    """:func:`explain` from totals already computed."""
    if n_coders < 2:
        return "needs two or more coders"
    if pairable == 0:
        return "no unit has values from two coders"
    if name in ("cohen_kappa", "fleiss_kappa") and complete == 0:
        return "no unit was coded by every coder"
    if (np.asarray(category_totals) > 0).sum() <= 1:
        return "undefined: every coder chose the same category on every unit (agreement is total)"
    return "undefined for these data"
