"""From coders' spans to an :class:`~qualcode.core.agreement.AgreementReport`.

:class:`AgreementInput` is everything a computation needs, as plain data (names,
document lengths, spans and units as arrays); :func:`compute` runs the statistics
of one unit of analysis and turns every undefined value into ``None`` with a reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from qualcode.analysis.agreement import bootstrap as boot
from qualcode.analysis.agreement import segment_stats as st
from qualcode.analysis.agreement.character import character_counts, character_statistics
from qualcode.analysis.agreement.overlap import overlap_agreement, overlap_counts
from qualcode.analysis.agreement.unitized import UnitizedResult, pooled_alpha, unitized_alpha
from qualcode.analysis.agreement.unitized_family import (
    CoderUnits,
    FamilyResult,
    family_counts,
    family_intervals,
)
from qualcode.analysis.agreement.units import (
    Spans,
    Units,
    merged,
    merged_by_code_coder,
    offsets,
    overlapping,
    presence,
)
from qualcode.core.agreement import DOMAIN_SUFFIX, POOLED, AgreementReport, AgreementRow, Statistic

UNITS = ("segment", "character", "overlap", "unitized", "gamma")
CONVENTIONS = ("qualcode", "nvivo", "maxqda", "atlasti")
CONVENTION_RULES = {
    "qualcode": "qualcode's own rules: undefined figures stay undefined (with the reason); a segment "
                "counts as coded when a coding covers half of it or lies half in it",
    "nvivo": "NVivo's coding comparison: a code and source neither coder coded has kappa 1 and "
             "100 % agreement; a sentence or paragraph counts as coded when any character of it is "
             "coded; the mean over sources is weighted by source size",
    "maxqda": "MAXQDA's intercoder agreement: coded segments match at the overlap threshold, "
              "agreement from both coders' sides, kappa after Brennan & Prediger over the codes used",
    "atlasti": "ATLAS.ti's intercoder agreement: percent agreement over the text either coder coded "
               "(text neither coded is left out), the 2016 alpha family for unitized data",
}
BY = ("code", "document")
INFLATION_NOTE = ("Agreement and kappa over all characters are inflated when most of the text is "
                  "uncoded; agreement over coded characters counts only text at least one coder coded.")


@dataclass(frozen=True)
class AgreementInput:
    """Plain data for one agreement run. Indices in ``spans``/``units`` point into the lists."""

    coders: tuple[str, ...]
    codes: tuple[tuple[str, str], ...]  # (key, label)
    documents: tuple[str, ...]
    lengths: np.ndarray
    spans: Spans
    units: Units | None = None
    segment_kind: str = "sentence"
    coded_documents: np.ndarray | None = None  # documents x coders, who coded what
    weights: np.ndarray | None = None  # per span, 0-100 or NaN (parallel to ``spans``)
    # groups of mutually exclusive codes (the children of one parent): (key, label, code indices)
    domains: tuple[tuple[str, str, tuple[int, ...]], ...] = ()


@dataclass(frozen=True)
class Options:
    unit: str = "segment"
    by: str = "code"
    threshold: float = 0.9
    resamples: int = 1000
    seed: int = 2024
    convention: str = "qualcode"
    overlap: str = "union"  # the overlap unit's ratio: intersection over union or over the longer
    weight_level: str = "interval"
    gamma_samples: int = 30
    extra_notes: tuple[str, ...] = field(default_factory=tuple)


def _stat(name: str, value: float, unit: str, n: int, *, ci: np.ndarray | None = None,
          why: str = "") -> Statistic:
    if value is None or not np.isfinite(value):
        return Statistic(name, None, unit, n, None, why or "undefined for these data")
    interval = None
    if ci is not None and np.all(np.isfinite(ci)):
        interval = (float(ci[0]), float(ci[1]))
    return Statistic(name, float(value), unit, n, interval)


def compute(data: AgreementInput, options: Options = Options(),
            cancel: threading.Event | None = None) -> AgreementReport:
    if options.unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}")
    if options.convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}")
    if options.unit == "gamma":
        from qualcode.analysis.agreement.gamma_rows import gamma_rows

        rows, description, notes = gamma_rows(data, options, cancel)
    elif options.unit == "segment":
        rows, description, notes = _segment_rows(data, options, cancel)
    elif options.unit == "character":
        rows, description, notes = _pairwise_rows(data, options, character=True)
    elif options.unit == "overlap":
        rows, description, notes = _pairwise_rows(data, options, character=False)
    else:
        rows, description, notes = _unitized_rows(data, options)
    return AgreementReport(unit=options.unit, by=options.by, coders=data.coders,
                           documents=data.documents, rows=tuple(rows), unit_description=description,
                           notes=(f"Convention: {options.convention} ({CONVENTION_RULES[options.convention]}).",
                                  *notes, *options.extra_notes),
                           convention=options.convention,
                           settings={"threshold": f"{options.threshold:g}", "overlap": options.overlap,
                                     "resamples": str(options.resamples), "seed": str(options.seed),
                                     "segment_kind": data.segment_kind, "convention": options.convention,
                                     "weight_level": options.weight_level,
                                     "gamma_samples": str(options.gamma_samples)})


# ------------------------------------------------------------------ segments


def _segment_rows(data: AgreementInput, options: Options, cancel: threading.Event | None
                  ) -> tuple[list[AgreementRow], str, list[str]]:
    from qualcode.analysis.agreement.segment import Group, Layout, SegmentSums, statistics_from_sums

    assert data.units is not None, "segment agreement needs units"
    m = len(data.coders)
    coded = data.coded_documents if data.coded_documents is not None else np.ones(
        (len(data.documents), m), dtype=bool)
    rule = "any" if options.convention == "nvivo" else "half"
    values = presence(data.spans, data.units, data.lengths, len(data.codes), m, coded, rule)
    unit = f"{data.segment_kind} (presence/absence of the code)"
    if rule == "any":
        counts_when = "any character of the unit is coded (NVivo's rule)"
    else:
        counts_when = "it covers at least half of the unit or half of the coding lies in it"
    description = (f"Each {data.segment_kind} is a unit; for each code a coder applied it to the unit "
                   f"or not (a coding counts for a unit when {counts_when}).")
    kappa_name = st.kappa_name(m)
    notes = [f"Kappa is {'Cohen' if m == 2 else 'Fleiss'}'s kappa over units every coder coded; "
             "Krippendorff's alpha (nominal) allows missing values. Expected agreement is "
             f"{'Cohen' if m == 2 else 'Fleiss'}'s chance term (p_e), expected disagreement "
             "Krippendorff's D_e.",
             f"95 % intervals: percentile bootstrap over units, {options.resamples} resamples, "
             f"seed {options.seed}."]
    layout = Layout(m)
    sums = SegmentSums(values, layout)
    all_codes = tuple(range(len(data.codes)))
    groups: list[tuple[str, str, str | None, Group]] = []
    if options.by == "code":
        for c, (key, label) in enumerate(data.codes):
            groups.append((key, label, None, Group((c,), None)))
    else:
        for d, name in enumerate(data.documents):
            groups.append((POOLED, "all codes", name, Group(all_codes, data.units.document == d)))
    groups.append((POOLED, "all codes", None, Group(all_codes, None)))
    point = sums.sums([g[3] for g in groups])[0]
    figures = statistics_from_sums(point, layout)
    intervals: dict[str, np.ndarray] = {}
    if options.resamples > 0 and m >= 2:
        replicates = statistics_from_sums(
            sums.resampled([g[3] for g in groups], options.resamples, options.seed, cancel), layout)
        for name in ("krippendorff_alpha", kappa_name):
            intervals[name] = boot.percentile_interval(replicates[name])
    expected_name = "cohen_pe" if m == 2 else "fleiss_pe"
    weight_alpha = _weight_alphas(data, options, rule) if options.by == "code" else {}
    rows = []
    for g, (key, label, doc, _group) in enumerate(groups):
        s_ac1, s_alpha, s_kappa = point[g, layout.ac1], point[g, layout.alpha], point[g, layout.kappa]
        pairable, complete = int(s_ac1[0]), int(s_kappa[0]) if m >= 2 else 0
        totals = s_alpha[1:]
        unused = key != POOLED and s_alpha[2] == 0

        def why(name: str, unused: bool = unused, pairable: int = pairable, complete: int = complete,
                totals: np.ndarray = totals) -> str:
            if unused:
                return "no coder applied this code"
            return st.explain_sums(name, m, pairable, complete, totals)

        def ci(name: str, g: int = g) -> np.ndarray | None:
            return intervals[name][:, g] if name in intervals else None

        stats = [_stat("percent_agreement", figures["percent_agreement"][g], unit, pairable,
                       why=why("percent_agreement"))]
        if m >= 2:
            stats += [
                _stat(kappa_name, figures[kappa_name][g], unit, complete, ci=ci(kappa_name),
                      why=why(kappa_name)),
                _stat("krippendorff_alpha", figures["krippendorff_alpha"][g], unit, pairable,
                      ci=ci("krippendorff_alpha"), why=why("krippendorff_alpha")),
                _stat("gwet_ac1", figures["gwet_ac1"][g], unit, pairable, why=why("gwet_ac1")),
                _stat(expected_name, figures[expected_name][g], unit, complete,
                      why="no unit was coded by every coder" if complete == 0 else ""),
                _stat("krippendorff_de", figures["krippendorff_de"][g], unit, pairable,
                      why="no unit has values from two coders"),
            ]
            if key in weight_alpha and doc is None:
                stats.append(weight_alpha[key])
        rows.append(AgreementRow(key, label, doc, data.coders, tuple(stats), {"pairable": float(pairable)}))
    if m < 2:
        notes.append("Only one coder: agreement needs two or more.")
    if weight_alpha:
        notes.append(f"Weights: Krippendorff's alpha ({options.weight_level}) per code over the "
                     f"{data.segment_kind}s where two or more coders gave the code a weight (a coder's "
                     "value for a unit is the largest weight among their codings of the code there).")
    return rows, description, notes


def _weight_alphas(data: AgreementInput, options: Options, rule: str) -> dict[str, Statistic]:
    """Alpha on coding weights per code, for codes with any weighted coding."""
    from qualcode.analysis.agreement.levels import alpha, pairable_units
    from qualcode.analysis.agreement.units import unit_weights

    if data.weights is None or data.units is None or len(data.coders) < 2:
        return {}
    weights = np.asarray(data.weights, dtype=np.float64)
    found: dict[str, Statistic] = {}
    name = f"weight_alpha_{options.weight_level}"
    weighted = np.unique(data.spans.code[~np.isnan(weights)])
    if not len(weighted):
        return found
    # the spans grouped by code once (stable, so each code's spans keep their order)
    order = np.argsort(data.spans.code, kind="stable")
    bounds = np.searchsorted(data.spans.code[order], np.arange(len(data.codes) + 1))
    for c in weighted.tolist():
        key = data.codes[c][0]
        mine = order[bounds[c]:bounds[c + 1]]
        values = unit_weights(data.spans.where(mine), weights[mine], data.units, data.lengths, c,
                              len(data.coders), rule)
        n = pairable_units(values)
        found[key] = _stat(name, alpha(values, options.weight_level), f"{data.segment_kind} (weight 0-100)",
                           n, why="needs two coders' weights on one unit, and weights that vary"
                           if n else "no unit has weights from two coders")
    return found


# ------------------------------------------------------- character and overlap


def _pairwise_rows(data: AgreementInput, options: Options, *, character: bool
                   ) -> tuple[list[AgreementRow], str, list[str]]:
    n_codes = len(data.codes)
    rows: list[AgreementRow] = []
    if character:
        description = ("Each character of a document is a unit; per code and document, a coder "
                       "coded it or not (NVivo's coding comparison).")
        notes = [INFLATION_NOTE, "Kappa over characters: Cohen's kappa, chance terms added; its "
                 "expected agreement p_e is reported beside it.",
                 "Mean over sources: the per-document kappas of a code averaged with each document "
                 "weighted by its length in characters (as NVivo averages across sources); "
                 + ("documents neither coder coded count with kappa 1." if options.convention == "nvivo"
                    else "documents where kappa is undefined are left out.")]
        unit = "character"
    else:
        pct = f"{options.threshold * 100:g} %"
        of = "the longer of the two segments" if options.overlap == "longer" else "the text either covers"
        description = (f"Each coded segment is a unit; two coders' segments of a code match when they "
                       f"overlap by at least {pct} of {of} (MAXQDA's segment agreement).")
        notes = ["Agreement = matched segments / segments checked, from both coders' sides. "
                 "Per code there is no chance correction (there is no 'neither coded' count); the "
                 "pooled row adds Brennan & Prediger's kappa as MAXQDA reports it, with chance "
                 "agreement 1 / the number of codes either coder used."]
        unit = f"coded segment (match at {pct} overlap)"
    for a, b in combinations(range(len(data.coders)), 2):
        pair = (data.coders[a], data.coders[b])
        if character:
            counts = character_counts(data.spans, data.lengths, n_codes, a, b)
        else:
            counts = overlap_counts(data.spans, data.lengths, n_codes, a, b, options.threshold,
                                    options.overlap)
        cells: list[tuple[str, str, str | None, np.ndarray]] = []
        for c, (key, label) in enumerate(data.codes):
            if options.by == "document":
                for d, doc in enumerate(data.documents):
                    cells.append((key, label, doc, counts[c, d]))
            else:
                cells.append((key, label, None, counts[c].sum(axis=0)))
        cells.append((POOLED, "all codes", None, counts.sum(axis=(0, 1))))
        per_source = {}
        if character:
            for c, (key, _label) in enumerate(data.codes):
                per_source[key] = counts[c]
            per_source[POOLED] = counts.sum(axis=0)
        for key, label, doc, cell in cells:
            row = _pair_row(key, label, doc, pair, cell, unit, character, options.convention)
            if character and doc is None:
                row = _with_source_mean(row, per_source[key], unit, options.convention)
            if key == POOLED and not character:
                used = int((counts.sum(axis=1)[:, [1, 3]].sum(axis=1) > 0).sum())
                row = _with_brennan_prediger(row, cell, used, unit)
            rows.append(row)
    if len(data.coders) < 2:
        notes.append("Only one coder: agreement needs two or more.")
    return rows, description, notes


def _pair_row(key: str, label: str, doc: str | None, pair: tuple[str, str], cell: np.ndarray,
              unit: str, character: bool, convention: str = "qualcode") -> AgreementRow:
    if character:
        figures = character_statistics(cell, convention)
        total = int(cell.sum())
        coded = int(cell[:3].sum())
        why_none = "neither coder coded this text" if coded == 0 else ""
        stats = (
            _stat("char_agreement_all", figures["char_agreement_all"], unit, total),
            _stat("char_agreement_coded", figures["char_agreement_coded"], "coded character", coded,
                  why=why_none or "no coded text"),
            _stat("char_kappa", figures["char_kappa"], unit, total,
                  why=why_none or "undefined: both coders coded all of the text"),
            _stat("char_pe", figures["char_pe"], unit, total, why="no text"),
        )
        extra = {"both": float(cell[0]), "only_a": float(cell[1]), "only_b": float(cell[2]),
                 "neither": float(cell[3])}
    else:
        checked = int(cell[1] + cell[3])
        stats = (_stat("overlap_agreement", overlap_agreement(cell), unit, checked,
                       why="neither coder coded a segment with this code"),)
        extra = {"a_matched": float(cell[0]), "a_segments": float(cell[1]),
                 "b_matched": float(cell[2]), "b_segments": float(cell[3])}
    return AgreementRow(key, label, doc, pair, stats, extra)


def _with_source_mean(row: AgreementRow, per_source: np.ndarray, unit: str, convention: str
                      ) -> AgreementRow:
    """Add the size-weighted mean of the per-document kappas (NVivo's average across sources)."""
    kappas = character_statistics(per_source, convention)["char_kappa"]
    sizes = per_source.sum(axis=-1).astype(np.float64)
    ok = np.isfinite(kappas) & (sizes > 0)
    value = float((kappas[ok] * sizes[ok]).sum() / sizes[ok].sum()) if ok.any() else float("nan")
    mean = _stat("char_kappa_source_mean", value, unit, int(ok.sum()),
                 why="kappa is undefined in every document")
    return AgreementRow(row.code_key, row.code_label, row.document, row.coders,
                        (*row.statistics, mean), {**row.extra, "sources": float(ok.sum())})


def _with_brennan_prediger(row: AgreementRow, cell: np.ndarray, codes_used: int, unit: str
                           ) -> AgreementRow:
    """The pooled overlap row with MAXQDA's kappa: Brennan & Prediger (1981), "Coefficient
    kappa: some uses, misuses, and alternatives", Educational and Psychological Measurement
    41:687-699, with chance agreement 1/k for k categories, here the codes either coder used."""
    observed = float(overlap_agreement(cell))
    why = "needs two or more codes in use (chance agreement is 1 / the number of codes)"
    value = float("nan")
    if codes_used >= 2 and np.isfinite(observed):
        chance = 1.0 / codes_used
        value = (observed - chance) / (1.0 - chance)
    kappa = _stat("brennan_prediger_kappa", value, unit, int(cell[1] + cell[3]), why=why)
    return AgreementRow(row.code_key, row.code_label, row.document, row.coders,
                        (*row.statistics, kappa), {**row.extra, "codes_used": float(codes_used)})


# ------------------------------------------------------------------- unitized


FAMILY_NOTE = ("Computed where its precondition holds: the 2016 family (Krippendorff, Mathet et al. "
               "2016). Per code, |u-alpha judges coded text against uncoded text (it needs a coder's "
               "spans of the code not to overlap each other). Per domain (the codes under one parent, "
               "taken as one variable of mutually exclusive values, as ATLAS.ti's semantic domains), "
               "u-alpha judges spans and codes together, |u-alpha coded against uncoded text, "
               "cu-alpha the codes where coders' spans intersect (its coverage is the share of the "
               "text it speaks for) and (k)u-alpha each code within its domain; a domain needs each "
               "coder's spans of its codes not to overlap.")


def _unitized_rows(data: AgreementInput, options: Options
                   ) -> tuple[list[AgreementRow], str, list[str]]:
    m = len(data.coders)
    description = ("The coders' own spans are the units: for each code, each coder's text falls into "
                   "coded units and gaps on the continuum of the selected documents laid end to end.")
    notes = ["Computed: Krippendorff's alpha_U (2004 per-code version; codes may overlap, each code "
             "is judged on its own continuum; a coder's overlapping spans of one code are merged).",
             FAMILY_NOTE,
             "No bootstrap interval for the 2004 alpha_U (its units are not independent draws). "
             f"The 2016 coefficients get 95 % percentile intervals from resampling documents "
             f"({options.resamples} resamples, seed {options.seed}) where {MIN_BOOTSTRAP_DOCUMENTS} "
             "or more documents have spans."]
    rows: list[AgreementRow] = []
    lengths = np.asarray(data.lengths, dtype=np.int64)
    scopes: list[tuple[str | None, Spans, np.ndarray]] = []
    if options.by == "document":
        for d, name in enumerate(data.documents):
            sub = data.spans.where(data.spans.document == d)
            sub = Spans(np.zeros(len(sub), dtype=np.int64), sub.code, sub.coder, sub.start, sub.end)
            scopes.append((name, sub, lengths[d:d + 1]))
    else:
        scopes.append((None, data.spans, lengths))
    for doc, spans, scope_lengths in scopes:
        rows.extend(_unitized_scope(data, options, doc, _Continuum.of(spans, scope_lengths, m)))
    covered = [f"{r.code_key.removesuffix(DOMAIN_SUFFIX)} {r.extra['cu_coverage'] * 100:.1f} %"
               for r in rows if "cu_coverage" in r.extra and r.document is None]
    if covered:
        notes.append("cu-alpha speaks for this share of the text (where coders' coded spans "
                     f"intersect): {', '.join(covered)}.")
    return rows, description, notes


UNITIZED_UNIT = "coders' own spans (continuum of the documents)"
MIN_BOOTSTRAP_DOCUMENTS = 5  # fewer, and resampling documents says little about the spread


@dataclass(frozen=True)
class _Family:
    """The 2016 coefficients of one variable and, where a bootstrap ran, their intervals
    (rows u-, |u-, cu-alpha; columns low, high)."""

    result: FamilyResult
    intervals: np.ndarray | None


@dataclass(frozen=True)
class _Continuum:
    """The spans of one scope, where each document starts on its continuum, and its length."""

    spans: Spans
    base: np.ndarray
    total: int
    coders: int

    @classmethod
    def of(cls, spans: Spans, lengths: np.ndarray, coders: int) -> _Continuum:
        base = offsets(lengths)
        return cls(spans, base, int(base[-1] + lengths[-1]) if len(lengths) else 0, coders)


def _unitized_scope(data: AgreementInput, options: Options, doc: str | None, scope: _Continuum
                    ) -> list[AgreementRow]:
    m, spans = len(data.coders), scope.spans
    per = merged_by_code_coder(spans, scope.base, len(data.codes), m)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    in_domain = {c: (d, i + 1) for d, (_k, _l, members) in enumerate(data.domains)
                 for i, c in enumerate(members)}
    by_code = options.by == "code"  # per code and per domain; by document only the pooled row
    domain_results = [_family(data, options, scope, members) for _k, _l, members in data.domains] \
        if by_code else []
    results: list[UnitizedResult] = []
    rows: list[AgreementRow] = []
    for c, (key, label) in enumerate(data.codes):
        coder_spans = [per.get((c, i), empty) for i in range(m)]
        result = unitized_alpha([merged(*s) for s in coder_spans], 0, scope.total) if m >= 2 else \
            UnitizedResult(float("nan"), 0.0, 0)
        results.append(result)
        if not by_code:
            continue
        why = ("needs two or more coders" if m < 2 else
               "no coder applied this code" if result.units == 0 else "undefined for these data")
        own, own_why = _family(data, options, scope, (c,))
        stats = [_stat("unitized_alpha_2004", result.alpha, UNITIZED_UNIT, result.units, why=why),
                 _family_stats(own, own_why)[1]]
        if c in in_domain:
            d, value = in_domain[c]
            family, family_why = domain_results[d]
            stats.append(_stat("k_u_alpha_2016",
                               family.result.value_alphas.get(value, float("nan")) if family else float("nan"),
                               UNITIZED_UNIT, own.result.units if own else 0,
                               why=family_why or "no intersection of two coders' spans has this code"))
        rows.append(AgreementRow(key, label, doc, data.coders, tuple(stats),
                                 {"observed": result.observed, "expected": result.expected}))
    for (key, label, _members), (family, why) in zip(data.domains if by_code else (), domain_results,
                                                     strict=True):
        rows.append(AgreementRow(key + DOMAIN_SUFFIX, label, doc, data.coders,
                                 _family_stats(family, why), _coverage(family)))
    pooled = pooled_alpha(results) if m >= 2 else float("nan")
    everything, everything_why = _family(data, options, scope, tuple(range(len(data.codes))))
    rows.append(AgreementRow(POOLED, "all codes", doc, data.coders, (
        _stat("unitized_alpha_2004", pooled, UNITIZED_UNIT, sum(r.units for r in results),
              why="needs two or more coders" if m < 2 else "no coder applied any code"),
        *_family_stats(everything, everything_why)), _coverage(everything)))
    return rows


def _family_stats(family: _Family | None, why: str) -> tuple[Statistic, ...]:
    """u-, |u- and cu-alpha as statistics, with their intervals where a bootstrap ran."""
    nan = float("nan")
    values = ((family.result.u_alpha, family.result.binary_u_alpha, family.result.cu_alpha)
              if family else (nan, nan, nan))
    n = family.result.units if family else 0
    intervals = family.intervals if family is not None and family.intervals is not None else [None] * 3
    names = ("u_alpha_2016", "binary_u_alpha_2016", "cu_alpha_2016")
    reasons = (why, why, why or "needs two codes among the intersections of coders' spans")
    return tuple(_stat(name, value, UNITIZED_UNIT, n, ci=ci, why=reason)
                 for name, value, ci, reason in zip(names, values, intervals, reasons, strict=True))


def _coverage(family: _Family | None) -> dict[str, float]:
    coverage = family.result.coverage if family else float("nan")
    return {"cu_coverage": coverage} if np.isfinite(coverage) else {}


def _family(data: AgreementInput, options: Options, scope: _Continuum, members: tuple[int, ...]
            ) -> tuple[_Family | None, str]:
    """The 2016 family with ``members`` (code indices) as the values of one variable, or None
    and why not."""
    m = scope.coders
    if m < 2:
        return None, "needs two or more coders"
    value_of = np.zeros(len(data.codes), dtype=np.int64)
    value_of[list(members)] = np.arange(1, len(members) + 1)
    spans = scope.spans.where(value_of[scope.spans.code] > 0)
    if len(spans) == 0:
        return None, "no coder applied " + ("this code" if len(members) == 1 else "these codes")
    clash = overlapping(spans, np.zeros(len(spans), dtype=np.int64))
    if clash.any():
        counts = np.bincount(spans.coder[clash], minlength=m)
        who = ", ".join(f"{data.coders[i]} {int(n)}" for i, n in enumerate(counts) if n)
        what = "of this code" if len(members) == 1 else "of different codes of the group"
        return None, f"precondition fails: a coder's spans {what} overlap ({who})"
    start = scope.base[spans.document] + spans.start
    end = scope.base[spans.document] + spans.end
    coders = []
    for i in range(m):
        mine = spans.coder == i
        order = np.argsort(start[mine], kind="stable")
        coders.append(CoderUnits(start[mine][order], end[mine][order],
                                 value_of[spans.code[mine]][order]))
    counts = family_counts(coders, scope.total, len(members), scope.base)
    assert counts is not None  # two coders and some spans
    intervals = None
    if options.resamples > 0 and (counts.units > 0).sum() >= MIN_BOOTSTRAP_DOCUMENTS:
        intervals = family_intervals(counts, options.resamples, options.seed)
    return _Family(counts.result(), intervals), ""
