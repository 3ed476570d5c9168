"""What the demo project shows, written as Markdown from the project itself.

The README's "What the demo shows" section is this report, so the figures it quotes are
always the ones the shipped demo gives: when the transcripts or the example codings
change, ``make demo-report`` writes the section anew instead of anyone retyping numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ExportError
from qualcode.services import agreement, compare, topics
from qualcode.services.demo import DEMO_TOPIC_LABEL
from qualcode.storage.store import Store

START_MARK = "<!-- demo-report:start -->"
END_MARK = "<!-- demo-report:end -->"
COMPARED_CODEBOOK = "quality-steering"
COMPARED_CODER = "anna"
AGREEMENT_CODERS = ("anna", "bo")  # without rounds: the two coders compared
TOPICS_SHOWN = 10
TERMS_SHOWN = 7


@dataclass(frozen=True)
class ReportOptions:
    resamples: int = 200
    seed: int = 2024


def _p_text(p_value: float) -> str:
    return f"p = {p_value:.3f}" if p_value >= 0.001 else "p < 0.001"


def _figure(statistic, *, percent: bool = False) -> str:  # type: ignore[no-untyped-def]
    if statistic is None or statistic.value is None:
        return "n/a"
    return f"{statistic.value * 100:.1f} %" if percent else f"{statistic.value:.3f}"


def comparison_section(store: Store) -> list[str]:
    query = compare.ComparisonQuery(codebook=COMPARED_CODEBOOK, by="level", coders=(COMPARED_CODER,))
    matrix = compare.compare(store, query)
    lines = [f"**How the levels speak** (`qualcode compare --codebook {COMPARED_CODEBOOK} --by level "
             f"--coder {COMPARED_CODER}`): codings of {matrix.codebook.name} by the level of the "
             "speaker; `+` / `-` mark cells whose adjusted standardized residual is beyond ±1.96.", ""]
    lines.append("| code | " + " | ".join(matrix.column_names) + " |")
    lines.append("|---|" + "---:|" * len(matrix.column_names))
    for i, row in enumerate(matrix.rows):
        cells = []
        for j, value in enumerate(matrix.values[i]):
            flag = matrix.stats.flag(i, j) if matrix.stats is not None else ""
            cells.append(f"{value:.0f}{' ' + flag if flag else ''}")
        lines.append(f"| {'&nbsp;&nbsp;' * row.depth}{row.key} | " + " | ".join(cells) + " |")
    lines.append("")
    if matrix.stats is not None:
        s = matrix.stats
        lines.append(f"Chi-square({s.dof}, N = {s.n:g}) = {s.chi2:.2f}, {_p_text(s.p_value)}; "
                     f"Cramér's V = {s.cramers_v:.2f}.")
        lines.extend(f"Note: {w}" for w in s.warnings)
    elif matrix.stats_note:
        lines.append(f"Note: {matrix.stats_note}")
    return lines


def _pooled(store: Store, sample: str, coders: list[str] | None, resamples: int, seed: int):  # type: ignore[no-untyped-def]
    report = agreement.agreement_report(store, sample=sample, coders=coders, resamples=resamples, seed=seed)
    return report, report.pooled


def _stat(row, name: str):  # type: ignore[no-untyped-def]
    return row.get(name) if row is not None else None


def _ci_figure(statistic) -> str:  # type: ignore[no-untyped-def]
    """The value with its bootstrap interval, as the methods paragraph writes it."""
    from qualcode.exporters.agreement_report import figure

    return figure(statistic)


def _adjudication_lines(store: Store) -> list[str]:
    from collections import Counter

    with store.unit_of_work() as uow:
        events = uow.events.list(kind="agreement.adjudicated")
    if not events:
        return []
    latest = {e.payload["key"]: e.payload for e in events}
    by_sample = {}
    for sample in agreement.list_samples(store):
        found = agreement.disagreements(store, sample=sample.name)
        settled = [d for d in found if d.key in latest]
        if settled:
            kinds = Counter(latest[d.key]["decision"] for d in settled)
            by_sample[sample.name] = (len(settled), len(found), {d.document for d in settled}, kinds)
    lines = []
    for name, (settled, total, documents, kinds) in by_sample.items():
        lines.append(f"Of {name}'s {total} disagreements, {settled} ({settled / total * 100:.0f} %) in "
                     f"{len(documents)} of its documents were adjudicated into the coder "
                     f"'{agreement.CONSENSUS}' (`qualcode agreement adjudicate`): "
                     + ", ".join(f"{kinds[k]} {k}" for k in agreement.DECISIONS if kinds[k]) + ".")
    return lines


def agreement_section(store: Store, options: ReportOptions) -> list[str]:
    """Agreement per round: the coders together, each pair, and the change between rounds."""
    samples = agreement.list_samples(store)
    if not samples:
        report = agreement.agreement_report(store, coders=list(AGREEMENT_CODERS),
                                            resamples=options.resamples, seed=options.seed)
        return [f"**Agreement** (`qualcode agreement --coders {','.join(AGREEMENT_CODERS)} --methods`):", "",
                agreement.methods_text(report)]
    lines = ["**Agreement per round** (`qualcode agreement --sample NAME --methods`, "
             "`qualcode agreement rounds`): each round is a sample drawn with `qualcode agreement sample` "
             "and coded independently by every coder named; sentences are the units.", ""]
    pooled: dict[str, object] = {}
    pairs: dict[str, list[tuple[str, object]]] = {}
    for sample in samples:
        report, row = _pooled(store, sample.name, None, options.resamples, options.seed)
        pooled[sample.name] = row
        lines += [agreement.methods_text(report), ""]
        coders = list(sample.coders)
        pairs[sample.name] = []
        for i, first in enumerate(coders):
            for second in coders[i + 1:]:
                _, pair_row = _pooled(store, sample.name, [first, second], 0, options.seed)
                pairs[sample.name].append((f"{first}, {second}", pair_row))
    names = [s.name for s in samples]
    lines += ["| coders | " + " | ".join(f"{n}: kappa | {n}: alpha" for n in names) + " |",
              "|---|" + "---:|---:|" * len(names)]
    kappa = "fleiss_kappa" if all(len(s.coders) > 2 for s in samples) else "cohen_kappa"
    label = ", ".join(dict.fromkeys(c for s in samples for c in s.coders)) + \
        (" together (Fleiss' kappa)" if kappa == "fleiss_kappa" else " (Cohen's kappa)")
    lines.append(f"| {label} | " + " | ".join(
        f"{_ci_figure(_stat(pooled[n], kappa))} | {_ci_figure(_stat(pooled[n], 'krippendorff_alpha'))}"
        for n in names) + " |")
    pair_names = list(dict.fromkeys(p for n in names for p, _ in pairs[n]))
    for pair in pair_names:
        cells = []
        for n in names:
            row = dict(pairs[n]).get(pair)
            cells.append(f"{_figure(_stat(row, 'cohen_kappa'))} | {_figure(_stat(row, 'krippendorff_alpha'))}")
        lines.append(f"| {pair} (Cohen's kappa) | " + " | ".join(cells) + " |")
    if len(names) >= 2:
        first, last = names[0], names[-1]
        def value(row, name):  # type: ignore[no-untyped-def]
            stat = _stat(row, name)
            return None if stat is None else stat.value
        a, b = value(pooled[first], "krippendorff_alpha"), value(pooled[last], "krippendorff_alpha")
        k1, k2 = value(pooled[first], kappa), value(pooled[last], kappa)
        if None not in (a, b, k1, k2):
            kappa_name = "Fleiss' kappa" if kappa == "fleiss_kappa" else "Cohen's kappa"
            lines += ["", f"Convergence from {first} to {last}: Krippendorff's alpha {a:.3f} -> {b:.3f} "
                      f"({b - a:+.3f}), {kappa_name} "
                      f"{k1:.3f} -> {k2:.3f} ({k2 - k1:+.3f}). The rounds hold different documents, so "
                      "part of any change is the documents, not the coders."]
    adjudicated = _adjudication_lines(store)
    if adjudicated:
        lines += [""] + adjudicated
    return lines


def topics_section(store: Store) -> list[str]:
    runs = [r for r in topics.list_runs(store) if r.label == DEMO_TOPIC_LABEL]
    if not runs:
        return ["**Topics**: the demo was built without its topic run (`qualcode demo` builds one)."]
    run = runs[-1]
    view = topics.run_topics(store, run.id)
    found = sorted((t for t in view.topics if t.number != -1), key=lambda t: (-t.size, t.number))
    outliers = sum(t.size for t in view.topics if t.number == -1)
    params = run.parameters
    lines = [f"**Topics** (`qualcode topics show {run.id}`): run '{run.label}', "
             f"{params.get('reducer')} + {params.get('clusterer')} on the {params.get('embedder')} "
             f"vectors of {run.segments:,} sentences (interviewers' questions left out): "
             f"{len(found)} topics and {outliers:,} outliers. The {min(TOPICS_SHOWN, len(found))} "
             "largest:", "", "| topic | size | top terms |", "|---:|---:|---|"]
    for topic in found[:TOPICS_SHOWN]:
        terms = " ".join(term for term, _ in topic.terms[:TERMS_SHOWN])
        lines.append(f"| {topic.number} | {topic.size} | {terms} |")
    return lines


def demo_report(store: Store, options: ReportOptions | None = None) -> str:
    """The Markdown of the README's "What the demo shows" section (without its heading)."""
    options = options or ReportOptions()
    parts = [comparison_section(store), agreement_section(store, options), topics_section(store)]
    body = "\n\n".join("\n".join(p) for p in parts)
    return ("_Written by `make demo-report` from the demo project; do not edit by hand._\n\n"
            + body + "\n")


def write_report(text: str, path: Path) -> str:
    """Put the report between the markers of an existing file, or write a new file.

    Returns what was done, for the command to say. A file without the markers is never
    overwritten.
    """
    if path.exists():
        current = path.read_text(encoding="utf-8")
        start, end = current.find(START_MARK), current.find(END_MARK)
        if 0 <= start < end:
            updated = current[:start + len(START_MARK)] + "\n" + text + current[end:]
            path.write_text(updated, encoding="utf-8")
            return f"Updated the demo report section of {path.name}."
        raise ExportError(f"{path} exists and has no demo report section ({START_MARK} ... {END_MARK}).",
                          "Add the two markers where the report belongs, or name a new file.")
    if not path.parent.is_dir():
        raise ExportError(f"The folder {path.parent} does not exist.")
    path.write_text(text, encoding="utf-8")
    return f"Wrote the demo report to {path.name}."
