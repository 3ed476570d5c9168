"""Result types of inter-coder agreement, shared by analysis, services and exporters.

A :class:`Statistic` always names the unit it was computed over, so a table or a
methods paragraph can never lose that information. An undefined statistic (for
instance kappa when every coder chose one category everywhere) has ``value`` None
and a ``note`` saying why; it is never a bare NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The coder who receives adjudicated decisions unless another is named.
CONSENSUS = "consensus"

STATISTIC_LABELS = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha (nominal)",
    "gwet_ac1": "Gwet's AC1",
    "char_agreement_all": "Agreement over all characters",
    "char_agreement_coded": "Agreement over coded characters",
    "char_kappa": "Kappa over characters",
    "overlap_agreement": "Segment overlap agreement",
    "brennan_prediger_kappa": "Kappa (Brennan & Prediger, MAXQDA)",
    "unitized_alpha_2004": "Unitized alpha (Krippendorff 2004)",
    "u_alpha_2016": "u-alpha (2016)",
    "binary_u_alpha_2016": "|u-alpha (2016)",
    "cu_alpha_2016": "cu-alpha (2016)",
    "k_u_alpha_2016": "(k)u-alpha in its domain (2016)",
    "cohen_pe": "Expected agreement (Cohen's p_e)",
    "fleiss_pe": "Expected agreement (Fleiss' P-bar_e)",
    "krippendorff_de": "Expected disagreement (Krippendorff's D_e)",
    "char_pe": "Expected agreement over characters (p_e)",
    "char_kappa_source_mean": "Kappa, mean over sources weighted by size (NVivo)",
    "weight_alpha_interval": "Krippendorff's alpha on weights (interval)",
    "weight_alpha_ordinal": "Krippendorff's alpha on weights (ordinal)",
    "weight_alpha_ratio": "Krippendorff's alpha on weights (ratio)",
    "weight_alpha_nominal": "Krippendorff's alpha on weights (nominal)",
    "mathet_gamma": "Mathet's gamma",
    "gamma_observed_disorder": "Gamma: observed disorder",
    "gamma_expected_disorder": "Gamma: expected disorder",
}

# The figures most readers look for first; a table can show these and fold the rest away.
MAIN_STATISTICS = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha",
                   "char_agreement_all", "char_agreement_coded", "char_kappa", "overlap_agreement",
                   "brennan_prediger_kappa", "unitized_alpha_2004", "u_alpha_2016",
                   "cu_alpha_2016", "mathet_gamma", "weight_alpha_interval", "weight_alpha_ordinal",
                   "weight_alpha_ratio", "weight_alpha_nominal")  # a report has one weight level


@dataclass(frozen=True)
class Statistic:
    """One agreement figure, the unit it counts, and its 95 % interval if bootstrapped."""

    name: str
    value: float | None
    unit: str
    n_units: int
    ci: tuple[float, float] | None = None
    note: str = ""

    @property
    def label(self) -> str:
        return STATISTIC_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class AgreementRow:
    """The statistics of one code (or the pooled row, ``code_key`` "(pooled)"), one document
    (``document`` None when pooled over documents) and one set of coders."""

    code_key: str
    code_label: str
    document: str | None
    coders: tuple[str, ...]
    statistics: tuple[Statistic, ...]
    extra: dict[str, float] = field(default_factory=dict)

    def get(self, name: str) -> Statistic | None:
        for statistic in self.statistics:
            if statistic.name == name:
                return statistic
        return None


@dataclass(frozen=True)
class AgreementReport:
    """Everything one ``qualcode agreement`` run computed, with how it was computed."""

    unit: str  # "segment" | "character" | "overlap" | "unitized"
    by: str  # "code" | "document"
    coders: tuple[str, ...]
    documents: tuple[str, ...]
    rows: tuple[AgreementRow, ...]
    unit_description: str
    notes: tuple[str, ...] = ()
    sample: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    convention: str = "qualcode"  # whose documented rules the figures follow

    @property
    def pooled(self) -> AgreementRow | None:
        for row in self.rows:
            if row.code_key == POOLED and row.document is None:
                return row
        return None


POOLED = "(pooled)"
DOMAIN_SUFFIX = " (domain)"  # after the parent key: its child codes taken as one variable


@dataclass(frozen=True)
class SampleInfo:
    """A double-coding sample (a training or reliability round)."""

    id: int
    name: str
    unit: str
    seed: int
    stratify_by: str | None
    created_at: datetime
    coders: tuple[str, ...]
    done: tuple[str, ...]
    document_ids: tuple[int, ...]
    segment_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class CoderSpan:
    """One coder's coding inside a disagreement."""

    coder: str
    coding_id: int
    start: int
    end: int


@dataclass(frozen=True)
class Disagreement:
    """A stretch of one document where the coders applied one code differently."""

    key: str  # "document_id:code_id:start-end", stable while the codings stay
    document_id: int
    document: str
    code_id: int
    code_key: str
    start: int
    end: int
    text: str
    spans: tuple[CoderSpan, ...]
    coders: tuple[str, ...]
    settled: str | None = None  # the decision already taken, if any
