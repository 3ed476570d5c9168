"""Inter-coder agreement: double-coding samples, statistics, disagreements, adjudication.

Each public function is one user action and one unit of work; a TUI screen can call
them directly. Computation lives in :mod:`qualcode.analysis.agreement`; this module
gathers the plain data it needs and records every decision in the event log.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qualcode.core.agreement import (
    CONSENSUS,
    AgreementReport,
    CoderSpan,
    Disagreement,
    SampleInfo,
    Statistic,
)
from qualcode.core.codebook import Code
from qualcode.core.model import Coding, CodingOrigin, SegmentKind
from qualcode.core.seeds import check_seed
from qualcode.core.team import Action
from qualcode.errors import AnalysisError, CodingError, NotFoundError, QualcodeError
from qualcode.services.codebook import get_codebook, resolve_code
from qualcode.services.corpus import check_attribute_filter, find_document
from qualcode.services.roles import require
from qualcode.services.samples import hidden_coders_in
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store, UnitOfWork

if TYPE_CHECKING:
    from qualcode.analysis.agreement.units import Spans as Spans_

DECISIONS = ("accept", "both", "neither", "edit")
Progress = Callable[[int, int, str], None]


# ------------------------------------------------------------------- helpers


def _coder_ids(uow, names: Sequence[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    found: dict[str, int] = {}
    for name in names:
        coder = uow.coders.find(name.strip())
        if coder is None:
            known = ", ".join(c.name for c in uow.coders.list()) or "none yet"
            raise NotFoundError(f"No coder '{name}' in this project (coders: {known}).",
                                "Name coders as they appear in 'qualcode code list'.")
        found[coder.name] = coder.id
    return found


def _sample(uow, name: str) -> SampleInfo:  # type: ignore[no-untyped-def]
    sample = uow.agreement.get(name)
    if sample is None:
        known = ", ".join(s.name for s in uow.agreement.list()) or "none yet"
        raise NotFoundError(f"No sample '{name}' (samples: {known}).",
                            "Draw one with 'qualcode agreement sample NAME --coders a,b'.")
    return sample


# ------------------------------------------------------------------- samples


def _allocate(size: int, strata: dict[str, list], rng: random.Random) -> list:
    """Proportional allocation with largest remainders; every stratum drawn at random."""
    total = sum(len(v) for v in strata.values())
    size = min(size, total)
    shares = {k: size * len(v) / total for k, v in strata.items()}
    counts = {k: int(s) for k, s in shares.items()}
    left = size - sum(counts.values())
    for key in sorted(strata, key=lambda k: (-(shares[k] - counts[k]), k))[:left]:
        counts[key] += 1
    chosen = []
    for key in sorted(strata):
        chosen.extend(rng.sample(strata[key], counts[key]))
    return chosen


def draw_sample(store: Store, name: str, coders: Sequence[str], *, size: int, unit: str = "document",
                seed: int | None = None, stratify_by: str | None = None,
                attributes: dict[str, list[str]] | None = None, supervisor: str | None = None,
                exclude_samples: Sequence[str] = (), documents: Sequence[str] | None = None) -> SampleInfo:
    """Draw documents (or sentences) at random for ``coders`` to code independently.

    ``exclude_samples`` leaves out the documents of earlier samples, so that a second
    round is coded on documents the coders have not compared yet. ``documents`` (names,
    e.g. the members of a set) is the pool drawn from: with the same seed, a draw from
    the same pool gives the same sample however many documents were imported since."""
    name = name.strip()
    if not name:  # a blank name could never be named again (--sample, agreement done)
        raise AnalysisError("A sample needs a name.", "Name it after the round, e.g. round3.")
    if unit not in ("document", "segment"):
        raise AnalysisError(f"A sample is of documents or segments, not '{unit}'.", "Pass --unit document|segment.")
    if size < 1:
        raise AnalysisError(f"Sample size {size} is too small.", "Pass --size 1 or more.")
    names = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if len(names) < 2:
        raise AnalysisError("A double-coding sample needs two or more coders.", "Pass --coders anna,bo.")
    seed = check_seed(seed) if seed is not None else random.SystemRandom().randrange(2**31)
    with store.unit_of_work() as uow:
        require(uow, supervisor, Action.SUPERVISE, "draw a double-coding sample")
        if uow.agreement.get(name) is not None:
            raise AnalysisError(f"A sample named '{name}' already exists.", "Choose another name.")
        coder_ids = [uow.coders.get_or_create(n).id for n in names]
        docs = uow.documents.list()
        if documents is not None:
            wanted = {find_document(uow, ref).id for ref in documents}
            docs = [d for d in docs if d.id in wanted]
        check_attribute_filter(uow, attributes)
        if attributes:
            docs = [d for d in docs if all(d.attributes.get(k) in v for k, v in attributes.items())]
        taken = {doc_id for earlier in exclude_samples for doc_id in _sample(uow, earlier).document_ids}
        docs = [d for d in docs if d.id not in taken]
        if not docs:
            raise AnalysisError("No documents to sample from.",
                                "Import documents, loosen --attr or --set, or exclude fewer samples.")
        if stratify_by and not any(stratify_by in d.attributes for d in docs):
            raise AnalysisError(f"No document has the attribute '{stratify_by}'.",
                                "Stratify by an attribute shown by 'qualcode docs'.")
        pool: list[tuple[int, int | None]] = []
        stratum: dict[tuple[int, int | None], str] = {}
        for doc in docs:
            label = doc.attributes.get(stratify_by, "(none)") if stratify_by else ""
            if unit == "document":
                pool.append((doc.id, None))
                stratum[(doc.id, None)] = label
            else:
                for segment in uow.documents.segments(doc.id, SegmentKind.SENTENCE):
                    pool.append((doc.id, segment.id))
                    stratum[(doc.id, segment.id)] = label
        strata: dict[str, list] = {}
        for item in pool:
            strata.setdefault(stratum[item], []).append(item)
        items = sorted(_allocate(size, strata, random.Random(seed)))
        boss = uow.coders.get_or_create(supervisor).id if supervisor else None
        sample = uow.agreement.add_sample(name, unit, seed, stratify_by, boss, coder_ids, items)
        uow.events.append("agreement.sample_drawn", {"sample_id": sample.id, "name": name, "unit": unit,
                                                     "seed": seed, "stratify_by": stratify_by,
                                                     "size": len(items), "coders": names,
                                                     "exclude_samples": list(exclude_samples),
                                                     "drawn_from": sorted(d.name for d in docs)
                                                     if documents is not None else None}, boss)
        return sample


def list_samples(store: Store) -> list[SampleInfo]:
    with store.unit_of_work() as uow:
        return uow.agreement.list()


def get_sample(store: Store, name: str) -> SampleInfo:
    with store.unit_of_work() as uow:
        return _sample(uow, name)


def mark_done(store: Store, sample: str, coder: str, *, done: bool = True) -> SampleInfo:
    """A coder says they finished the sample: the others' codings on it become visible."""
    with store.unit_of_work() as uow:
        info = _sample(uow, sample)
        require(uow, coder, Action.CODE, "mark a sample done")
        coder_id = _coder_ids(uow, [coder])[coder.strip()]
        if not uow.agreement.set_done(info.id, coder_id, done):
            raise CodingError(f"Coder '{coder}' is not assigned to sample '{sample}' "
                              f"(coders: {', '.join(info.coders)}).")
        uow.events.append("agreement.sample_done" if done else "agreement.sample_reopened",
                          {"sample_id": info.id, "name": info.name}, coder_id)
        return uow.agreement.get_by_id(info.id)


def hidden_coder_ids(store: Store, coder: str, document_id: int) -> set[int]:
    """Coders whose codings ``coder`` must not see on this document yet: the other coders
    of a sample holding it that ``coder`` has not marked done."""
    with store.unit_of_work() as uow:
        return hidden_coders_in(uow, coder, document_id)


# -------------------------------------------------------------- the selection


@dataclass(frozen=True)
class Selection:
    """Who and what an agreement run compares, resolved to ids."""

    coders: dict[str, int]
    documents: list  # DocumentSummary, in id order
    codes: list  # Code
    sample: SampleInfo | None
    notes: tuple[str, ...]
    progress: dict[tuple[int, int], int] | None = None  # (document, coder) -> codings, read once
    # (document, code, coder, start, end, weight) of the coders' codings of the selected
    # documents and codes, from the one fetch the selection was made from
    rows: np.ndarray | None = None


def _progress(rows: np.ndarray) -> dict[tuple[int, int], int]:
    """Codings per (document, coder) of (document, code, coder, ...) rows."""
    if len(rows) == 0:
        return {}
    span = int(rows[:, 2].max()) + 1
    keys = rows[:, 0] * span + rows[:, 2]
    if int(keys.max()) <= 4 * len(keys) + 1024:  # ids are small: count without sorting
        counts = np.bincount(keys)
        keys = np.flatnonzero(counts)
        counts = counts[keys]
    else:
        keys, counts = np.unique(keys, return_counts=True)
    return {(int(k // span), int(k % span)): int(n) for k, n in zip(keys, counts, strict=True)}


def _select(uow, *, coders: Sequence[str] | None, sample: str | None,  # type: ignore[no-untyped-def]
            documents: Sequence[str] | None, attributes: dict[str, list[str]] | None,
            codebook: str | None, codes: Sequence[str] | None, every_coder: bool,
            consensus: str = CONSENSUS) -> Selection:
    info = _sample(uow, sample) if sample else None
    if coders is not None and not any(c.strip() for c in coders):  # e.g. --coders ,
        raise AnalysisError("--coders names no coder.",
                            "Name two or more, e.g. --coders anna,bo, or leave --coders out for every coder.")
    if coders:
        chosen = _coder_ids(uow, coders)
    elif info:
        chosen = _coder_ids(uow, info.coders)
    else:
        with_codings = uow.agreement.coders_with_codings()
        chosen = {c.name: c.id for c in uow.coders.list() if c.id in with_codings and c.name != consensus}
    if len(chosen) < 2:
        only = ", ".join(chosen) or "nobody"
        raise AnalysisError(f"Agreement needs two or more coders; the selection has {only}.",
                            "Name them with --coders anna,bo (each must have coded the documents).")
    # every coding of the chosen coders in one fetch: who coded which document, and which
    # codes they used, come from these rows rather than from queries of their own
    rows = uow.agreement.coding_rows(list(chosen.values()))
    progress = _progress(rows)
    docs = uow.documents.list()
    if info:
        docs = [d for d in docs if d.id in set(info.document_ids)]
    if documents:
        wanted = {find_document(uow, ref).id for ref in documents}
        docs = [d for d in docs if d.id in wanted]
    check_attribute_filter(uow, attributes)
    if attributes:
        docs = [d for d in docs if all(d.attributes.get(k) in v for k, v in attributes.items())]
    notes: list[str] = []
    if not info:
        need = len(chosen) if every_coder else 2
        kept = [d for d in docs if sum((d.id, c) in progress for c in chosen.values()) >= need]
        if len(kept) < len(docs):
            who = "every one of the coders" if every_coder else "at least two of the coders"
            notes.append(f"{len(kept)} of {len(docs)} documents used: those coded by {who}.")
        docs = kept
    if not docs:
        where = f"sample '{info.name}'" if info else "the selection"
        raise AnalysisError(f"No documents in {where} were coded by {', '.join(chosen)}.",
                            "Check the coders and documents, or draw a sample and let each coder code it.")
    doc_ids = np.asarray([d.id for d in docs], dtype=np.int64)
    if len(rows):
        inside = np.isin(rows[:, 0], doc_ids)
        rows = rows if inside.all() else rows[inside]
    if codes:
        code_list = [resolve_code(uow, c, codebook) for c in codes]
    elif codebook:
        code_list = uow.codebooks.codes(get_codebook(uow, codebook).id)
    else:
        used = set(np.unique(rows[:, 1]).tolist())
        code_list = [c for c in uow.codebooks.codes(include_inactive=True) if c.id in used]
    if codes or codebook:
        rows = rows[np.isin(rows[:, 1], np.asarray([c.id for c in code_list], dtype=np.int64))]
    return Selection(chosen, sorted(docs, key=lambda d: d.id), code_list, info, tuple(notes), progress, rows)


# ------------------------------------------------------------------- statistics


def _domains(uow: UnitOfWork, codes: Sequence[Code]) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """Codes sharing a parent, as groups of mutually exclusive values (ATLAS.ti's semantic
    domains): (parent key, parent label, indices into ``codes``) for groups of two or more."""
    children: dict[int, list[int]] = {}
    for index, code in enumerate(codes):
        if code.parent_id is not None:
            children.setdefault(code.parent_id, []).append(index)
    domains = []
    for parent_id, members in children.items():
        parent = uow.codebooks.code(parent_id) if len(members) >= 2 else None
        if parent is not None:
            domains.append((parent.key, parent.label_en, tuple(members)))
    return tuple(domains)


# Ten thousand resamples already fix a 95 % interval to the third decimal; far more only
# exhausts memory (the bootstrap holds every resample of every code at once).
MAX_RESAMPLES = 100_000


def check_resamples(resamples: int, seed: int) -> None:
    """The bootstrap's size and seed, refused before any work (rounds checks them once)."""
    check_seed(seed)
    if not 0 <= resamples <= MAX_RESAMPLES:
        raise AnalysisError(f"--resamples {resamples} is not between 0 and {MAX_RESAMPLES:,}.",
                            "Write e.g. --resamples 1000 (0: no bootstrap intervals).")


# Each random continuum of gamma is one more alignment of every unit; a thousand already
# pins its expected disorder far past the figures reported, and more only runs for hours.
MAX_GAMMA_SAMPLES = 1_000


def _check_options(unit: str, by: str, segment_kind: str, threshold: float, convention: str,
                   overlap: str, weight_level: str, resamples: int, seed: int, gamma_samples: int) -> None:
    from qualcode.analysis.agreement.compute import BY, CONVENTIONS, UNITS
    from qualcode.analysis.agreement.levels import LEVELS
    from qualcode.analysis.agreement.overlap import OVERLAPS

    if unit not in UNITS:
        raise AnalysisError(f"Unknown unit '{unit}'.", f"Use one of: {', '.join(UNITS)}.")
    if by not in BY:
        raise AnalysisError(f"Cannot report by '{by}'.", "Use --by code or --by document.")
    if segment_kind not in ("sentence", "turn"):
        raise AnalysisError(f"Segments are sentences or turns, not '{segment_kind}'.")
    if not 0 < threshold <= 1:
        raise AnalysisError(f"Overlap threshold {threshold} is not in (0, 1].", "Write e.g. --threshold 0.9.")
    check_resamples(resamples, seed)
    if not 2 <= gamma_samples <= MAX_GAMMA_SAMPLES:
        raise AnalysisError(f"--gamma-samples {gamma_samples} is not between 2 and {MAX_GAMMA_SAMPLES:,}.",
                            "Write e.g. --gamma-samples 30 (the default).")
    if convention not in CONVENTIONS:
        raise AnalysisError(f"Unknown convention '{convention}'.", f"Use one of: {', '.join(CONVENTIONS)}.")
    if overlap not in OVERLAPS:
        raise AnalysisError(f"Unknown overlap measure '{overlap}'.", "Use --overlap union or --overlap longer.")
    if weight_level not in LEVELS:
        raise AnalysisError(f"Unknown level of measurement '{weight_level}'.",
                            f"Use --weight-level {'|'.join(LEVELS)}.")


def agreement_report(store: Store, *, coders: Sequence[str] | None = None, unit: str = "segment",
                     by: str = "code", segment_kind: str = "sentence", sample: str | None = None,
                     documents: Sequence[str] | None = None,
                     attributes: dict[str, list[str]] | None = None, codebook: str | None = None,
                     codes: Sequence[str] | None = None, threshold: float = 0.9,
                     resamples: int = 1000, seed: int = 2024, convention: str = "qualcode",
                     overlap: str = "union", weight_level: str = "interval", gamma_samples: int = 30,
                     progress: Progress | None = None,
                     cancel: threading.Event | None = None,
                     pseudonymise: bool | None = False) -> AgreementReport:
    """Agreement of the coders, per code and pooled, with the unit and convention stated;
    with ``pseudonymise`` (``None``: the project's setting) its document names, code labels
    and notes rendered through the pseudonym table, as the report is to leave the project."""
    from qualcode.analysis.agreement.compute import AgreementInput, Options, compute
    from qualcode.analysis.agreement.units import Units
    from qualcode.services import pseudonyms

    _check_options(unit, by, segment_kind, threshold, convention, overlap, weight_level, resamples, seed,
                   gamma_samples)
    compiled = pseudonyms.output_renderer(store, pseudonymise)  # an empty table refused before the work
    if progress:
        progress(0, 3, "reading codings")
    with store.unit_of_work() as uow:
        sel = _select(uow, coders=coders, sample=sample, documents=documents, attributes=attributes,
                      codebook=codebook, codes=codes, every_coder=unit != "segment")
        doc_ids = [d.id for d in sel.documents]
        coder_names = list(sel.coders)
        coder_ids = [sel.coders[n] for n in coder_names]
        code_ids = [c.id for c in sel.codes]
        rows = sel.rows if code_ids and sel.rows is not None else np.zeros((0, 6), dtype=np.int64)
        if sel.sample is not None and len(rows) == 0:
            raise AnalysisError(
                f"Nobody has coded sample '{sel.sample.name}' yet: no codings by "
                f"{', '.join(coder_names)} in its {len(doc_ids)} document(s).",
                "Let each coder code the sample's documents, then run agreement again.")
        length_of = uow.agreement.document_lengths(doc_ids)
        segment_filter = sel.sample.segment_ids if sel.sample and sel.sample.unit == "segment" else None
        if unit == "segment" and segment_filter is not None and segment_kind == "turn":
            raise AnalysisError("A segment sample holds sentences.", "Use --segment-kind sentence.")
        unit_rows = uow.agreement.unit_rows(doc_ids, segment_kind, segment_filter) if unit == "segment" \
            else np.zeros((0, 3), dtype=np.int64)
        progress_pairs = (sel.progress or {}) if sel.sample is None else {}
        domains = _domains(uow, sel.codes) if unit == "unitized" else ()
    if progress:
        progress(1, 3, "computing")
    if unit == "segment" and len(unit_rows) == 0:
        raise AnalysisError("The selection has no segments to compare.", "Check --segment-kind and the sample.")
    data = AgreementInput(
        coders=tuple(coder_names), codes=tuple((c.key, c.label_en) for c in sel.codes),
        documents=tuple(d.name for d in sel.documents),
        lengths=np.array([length_of.get(i, 0) for i in doc_ids], dtype=np.int64),
        spans=_spans(rows, doc_ids, code_ids, coder_ids),
        units=Units(_index(unit_rows[:, 0], doc_ids), unit_rows[:, 1].copy(), unit_rows[:, 2].copy()),
        segment_kind=segment_kind, coded_documents=_coded(sel, doc_ids, coder_ids, progress_pairs),
        domains=domains, weights=np.where(rows[:, 5] >= 0, rows[:, 5], np.nan).astype(np.float64))
    notes = list(sel.notes)
    if not sel.codes:
        notes.append("No coder applied any code in the selection.")
    try:
        report = compute(data, Options(unit=unit, by=by, threshold=threshold, resamples=resamples,
                                       seed=seed, convention=convention, overlap=overlap,
                                       weight_level=weight_level, gamma_samples=gamma_samples,
                                       extra_notes=tuple(notes)), cancel)
    except InterruptedError as exc:
        raise AnalysisError("Agreement computation cancelled.") from exc
    if progress:
        progress(3, 3, "done")
    from dataclasses import replace

    report = replace(report, sample=sel.sample.name if sel.sample else None, created_at=datetime.now(UTC))
    if compiled is not None:
        from qualcode.services.pseudonym_outputs import render_agreement

        report = render_agreement(compiled, report)
    return report


def _index(ids: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Positions of database ids in ``order`` (every id must be there)."""
    order_array = np.asarray(order, dtype=np.int64)
    if len(order_array) and order_array.min() >= 0 and order_array.max() <= 4 * len(ids) + 1024:
        table = np.zeros(int(order_array.max()) + 1, dtype=np.int64)  # a look-up beats a search
        table[order_array] = np.arange(len(order_array))  # ids in ``order`` are distinct
        return table[ids]
    sort = np.argsort(order_array, kind="stable")
    return sort[np.searchsorted(order_array[sort], ids)].astype(np.int64)


def _spans(rows: np.ndarray, doc_ids: Sequence[int], code_ids: Sequence[int],
           coder_ids: Sequence[int]) -> Spans_:
    from qualcode.analysis.agreement.units import Spans

    if len(rows) == 0:
        return Spans.of([])
    return Spans(_index(rows[:, 0], doc_ids), _index(rows[:, 1], code_ids), _index(rows[:, 2], coder_ids),
                 rows[:, 3].copy(), rows[:, 4].copy())


def _coded(sel: Selection, doc_ids: Sequence[int], coder_ids: Sequence[int],
           progress_pairs: dict[tuple[int, int], int]) -> np.ndarray:
    """Documents x coders: who coded which document (in a sample, everyone is taken to)."""
    coded = np.ones((len(doc_ids), len(coder_ids)), dtype=bool)
    if sel.sample is None:
        for d, doc in enumerate(doc_ids):
            for c, coder in enumerate(coder_ids):
                coded[d, c] = (doc, coder) in progress_pairs
    return coded


@dataclass(frozen=True)
class Round:
    """One sample as a training round: its coders, who is done, and how well they agreed."""

    sample: SampleInfo
    percent: Statistic | None
    alpha: Statistic | None
    message: str = ""


def rounds(store: Store, *, resamples: int = 200, seed: int = 2024) -> list[Round]:
    """Pooled agreement per sample in the order drawn, to see coders converge."""
    check_resamples(resamples, seed)  # refused once, not once per sample
    result = []
    for info in list_samples(store):
        try:
            report = agreement_report(store, sample=info.name, resamples=resamples, seed=seed)
        except AnalysisError as exc:
            result.append(Round(info, None, None, exc.message))
            continue
        pooled = report.pooled
        result.append(Round(info, pooled.get("percent_agreement") if pooled else None,
                            pooled.get("krippendorff_alpha") if pooled else None))
    return result


# ------------------------------------------------------------ disagreements


def _clusters(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _settled(uow) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each settled disagreement's decision in effect (adjudicated here, or merged in)."""
    from qualcode.services.merge import decisions_in_effect

    return {key: p["decision"] + (f" {p['coder']}" if p.get("coder") else "")
            for key, (p, _) in decisions_in_effect(uow).items()}


def disagreements(store: Store, *, coders: Sequence[str] | None = None, sample: str | None = None,
                  documents: Sequence[str] | None = None, codebook: str | None = None,
                  codes: Sequence[str] | None = None, include_settled: bool = True,
                  consensus: str = CONSENSUS, pseudonymise: bool | None = False) -> list[Disagreement]:
    """Stretches where the coders applied a code differently: for each code and document,
    overlapping codings of all coders form one passage; it is a disagreement unless every
    coder coded exactly the same span(s) there. With ``pseudonymise`` (``None``: the
    project's setting) their texts and document names are rendered through the pseudonym
    table; positions stay those of the stored text."""
    from qualcode.services import pseudonyms

    compiled = pseudonyms.output_renderer(store, pseudonymise)
    with store.unit_of_work() as uow:
        sel = _select(uow, coders=coders, sample=sample, documents=documents, attributes=None,
                      codebook=codebook, codes=codes, every_coder=False, consensus=consensus)
        names = {cid: name for name, cid in sel.coders.items()}
        code_keys = {c.id: c.key for c in sel.codes}
        codings = uow.codings.list(CodingFilter(coder_ids=list(names), code_ids=list(code_keys),
                                                document_ids=[d.id for d in sel.documents]))
        texts = {d.id: uow.documents.text(d.id) for d in sel.documents}
        doc_names = {d.id: d.name for d in sel.documents}
        decided = _settled(uow)
    grouped: dict[tuple[int, int], list[Coding]] = {}
    for coding in codings:
        grouped.setdefault((coding.document_id, coding.code_id), []).append(coding)
    found = []
    for (doc_id, code_id), items in sorted(grouped.items()):
        for start, end in _clusters([(c.start, c.end) for c in items]):
            inside = [c for c in items if c.start < end and c.end > start]
            per_coder = {cid: _union([(c.start, c.end) for c in inside if c.coder_id == cid]) for cid in names}
            if len({tuple(v) for v in per_coder.values()}) == 1:
                continue
            key = f"{doc_id}:{code_id}:{start}-{end}"
            if not include_settled and key in decided:
                continue
            found.append(Disagreement(
                key=key, document_id=doc_id, document=doc_names[doc_id], code_id=code_id,
                code_key=code_keys[code_id], start=start, end=end, text=texts[doc_id][start:end],
                spans=tuple(CoderSpan(names[c.coder_id], c.id, c.start, c.end) for c in inside),
                coders=tuple(names[cid] for cid in names), settled=decided.get(key)))
    if compiled is not None:
        from qualcode.services.pseudonym_outputs import render_disagreements

        found = render_disagreements(compiled, found)
    return found


def _parse_key(key: str) -> tuple[int, int, int, int]:
    try:
        doc, code, span = key.split(":")
        start, end = span.split("-")
        return int(doc), int(code), int(start), int(end)
    except ValueError:
        raise CodingError(f"'{key}' is not a disagreement id.",
                          "Copy an id such as 3:17:1200-1350 from 'qualcode agreement disagreements'.") from None


def adjudicate(store: Store, key: str, decision: str, supervisor: str, *, coder: str | None = None,
               span: tuple[int, int] | None = None, consensus: str = CONSENSUS) -> list[Coding]:
    """Settle one disagreement into the consensus coder: accept one coder's span(s), both
    (the union of everyone's), neither, or an edited span. Replaces earlier consensus
    codings of the code there; the decision goes to the event log."""
    with store.unit_of_work() as uow:
        return _settle(uow, key, decision, supervisor, coder=coder, span=span, consensus=consensus)


def adjudicate_many(store: Store, decisions: Sequence[tuple[str, str, str | None]], supervisor: str, *,
                    consensus: str = CONSENSUS) -> int:
    """Settle several disagreements, each ``(key, decision, coder)``, in one transaction: a file
    of decisions is one action, applied whole or not at all. Returns how many were settled."""
    with store.unit_of_work() as uow:
        for key, decision, coder in decisions:
            _settle(uow, key, decision, supervisor, coder=coder, span=None, consensus=consensus)
    return len(decisions)


def _settle(uow: UnitOfWork, key: str, decision: str, supervisor: str, *, coder: str | None,
            span: tuple[int, int] | None, consensus: str) -> list[Coding]:
    """One decision inside the caller's unit of work (see :func:`adjudicate`)."""
    if decision not in DECISIONS:
        raise CodingError(f"Unknown decision '{decision}'.", f"Use one of: {', '.join(DECISIONS)}.")
    doc_id, code_id, start, end = _parse_key(key)
    require(uow, supervisor, Action.SUPERVISE, "adjudicate a disagreement")
    boss = uow.coders.get_or_create(supervisor.strip()).id
    target = uow.coders.get_or_create(consensus).id
    text_length = len(uow.documents.text(doc_id)) if uow.documents.get(doc_id) else 0
    if not text_length or uow.codebooks.code(code_id) is None:
        raise NotFoundError(f"Disagreement {key} refers to a document or code that no longer exists.")
    here = [c for c in uow.codings.list(CodingFilter(document_ids=[doc_id], code_ids=[code_id]))
            if c.start < end and c.end > start]
    others = [c for c in here if c.coder_id != target]
    if decision == "accept":
        if not coder:
            raise CodingError("Accept whose coding?", "Pass the coder, e.g. --accept anna.")
        chosen_id = _coder_ids(uow, [coder])[coder.strip()]
        new_spans = _union([(c.start, c.end) for c in others if c.coder_id == chosen_id])
    elif decision == "both":
        new_spans = _union([(c.start, c.end) for c in others])
    elif decision == "neither":
        new_spans = []
    else:
        if span is None or not 0 <= span[0] < span[1] <= text_length:
            raise CodingError(f"Edited span {span} is not inside the document (0 to {text_length}).",
                              "Pass --span START-END with START < END.")
        new_spans = [span]
    removed = [c for c in here if c.coder_id == target]
    for old in removed:
        uow.codings.delete(old.id)
    added = [uow.codings.add(doc_id, code_id, target, s, e, CodingOrigin.ADJUDICATED) for s, e in new_spans]
    uow.events.append("agreement.adjudicated", {
        "key": key, "decision": decision, "coder": coder if decision == "accept" else None,
        "document_id": doc_id, "code_id": code_id, "start": start, "end": end,
        "consensus_coder_id": target, "added": [[c.id, c.start, c.end] for c in added],
        "removed": [[c.id, c.start, c.end, c.coder_id] for c in removed]}, boss)
    return added


# ------------------------------------------------------------------- export

FORMATS = ("csv", "md", "docx")


def export_report(report: AgreementReport, path: Path, *, fmt: str | None = None,
                  overwrite: bool = False) -> Path:
    """Write the report as CSV, Markdown (with the methods paragraph) or DOCX."""
    from qualcode.exporters import agreement_report as exporter
    from qualcode.services.files import write_with

    chosen = (fmt or path.suffix.lstrip(".")).lower()
    chosen = {"markdown": "md"}.get(chosen, chosen)
    if chosen not in FORMATS:
        raise QualcodeError(f"Cannot export agreement to '{path.name}': unknown format '{chosen}'.",
                            "Use a .csv, .md or .docx file name, or --format csv|md|docx.")
    if chosen == "csv":
        return write_with(path, lambda s: exporter.write_csv(report, s), overwrite=overwrite, binary=False)
    if chosen == "md":
        return write_with(path, lambda s: exporter.write_markdown(report, s), overwrite=overwrite, binary=False)
    return write_with(path, lambda s: exporter.write_docx(report, s), overwrite=overwrite)


def methods_text(report: AgreementReport) -> str:
    from qualcode.exporters.agreement_report import methods_paragraph

    return methods_paragraph(report)
