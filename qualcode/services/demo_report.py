"""What the demo project shows, written as Markdown from the project itself.

The README's "What the demo shows" section is this report, so the figures it quotes are
always the ones the shipped demo gives: when the transcripts or the example codings
change, ``make demo-report`` writes the section anew instead of anyone retyping numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.core.agreement import AgreementReport, AgreementRow, SampleInfo, Statistic
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


def _row(store: Store, sample: str, coders: list[str] | None, resamples: int, seed: int
         ) -> tuple[AgreementReport, AgreementRow | None]:
    """A round's agreement report and its row pooled over codes and documents."""
    report = agreement.agreement_report(store, sample=sample, coders=coders, resamples=resamples, seed=seed)
    return report, report.pooled


def _stat(row: AgreementRow | None, name: str) -> Statistic | None:
    return row.get(name) if row is not None else None


def _value(row: AgreementRow | None, name: str) -> float | None:
    stat = _stat(row, name)
    return None if stat is None else stat.value


def _adjudication_lines(store: Store) -> list[str]:
    """How much of each round was settled into the consensus coder, and how."""
    from collections import Counter

    with store.unit_of_work() as uow:
        events = uow.events.list(kind="agreement.adjudicated")
    latest = {e.payload["key"]: e.payload for e in reversed(events)}  # newest first: the last one counts
    lines = []
    for sample in agreement.list_samples(store) if latest else []:
        found = agreement.disagreements(store, sample=sample.name)
        settled = [d for d in found if d.key in latest]
        if not settled:
            continue
        kinds = Counter(latest[d.key]["decision"] for d in settled)
        lines.append(f"Of {sample.name}'s {len(found)} disagreements, {len(settled)} "
                     f"({len(settled) / len(found) * 100:.0f} %) in {len({d.document for d in settled})} of its "
                     f"documents were adjudicated into the coder '{agreement.CONSENSUS}' "
                     "(`qualcode agreement adjudicate`): "
                     + ", ".join(f"{kinds[k]} {k}" for k in agreement.DECISIONS if kinds[k]) + ".")
    return lines


def _round_table(store: Store, samples: list[SampleInfo], pooled: dict[str, AgreementRow | None],
                 kappa: str, seed: int) -> list[str]:
    """Rounds as columns: all coders together (with intervals), then each pair of coders."""
    from qualcode.exporters.agreement_report import figure

    names = [s.name for s in samples]
    everyone = ", ".join(dict.fromkeys(c for s in samples for c in s.coders))
    together = " together (Fleiss' kappa)" if kappa == "fleiss_kappa" else " (Cohen's kappa)"
    lines = ["| coders | " + " | ".join(f"{n}: kappa | {n}: alpha" for n in names) + " |",
             "|---|" + "---:|---:|" * len(names),
             f"| {everyone}{together} | " + " | ".join(
                 f"{figure(_stat(pooled[n], kappa))} | {figure(_stat(pooled[n], 'krippendorff_alpha'))}"
                 for n in names) + " |"]
    pairs: dict[str, dict[str, AgreementRow | None]] = {}
    for sample in samples:
        for i, first in enumerate(sample.coders):
            for second in sample.coders[i + 1:]:
                pairs.setdefault(f"{first}, {second}", {})[sample.name] = \
                    _row(store, sample.name, [first, second], 0, seed)[1]
    for pair, by_round in pairs.items():
        cells = [f"{_figure(_stat(by_round.get(n), 'cohen_kappa'))} | "
                 f"{_figure(_stat(by_round.get(n), 'krippendorff_alpha'))}" for n in names]
        lines.append(f"| {pair} (Cohen's kappa) | " + " | ".join(cells) + " |")
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
    pooled: dict[str, AgreementRow | None] = {}
    for sample in samples:
        report, pooled[sample.name] = _row(store, sample.name, None, options.resamples, options.seed)
        lines += [agreement.methods_text(report), ""]
    kappa = "fleiss_kappa" if all(len(s.coders) > 2 for s in samples) else "cohen_kappa"
    lines += _round_table(store, samples, pooled, kappa, options.seed)
    first, last = samples[0].name, samples[-1].name
    a, b = _value(pooled[first], "krippendorff_alpha"), _value(pooled[last], "krippendorff_alpha")
    k1, k2 = _value(pooled[first], kappa), _value(pooled[last], kappa)
    if len(samples) >= 2 and a is not None and b is not None and k1 is not None and k2 is not None:
        kappa_name = "Fleiss' kappa" if kappa == "fleiss_kappa" else "Cohen's kappa"
        lines += ["", f"Convergence from {first} to {last}: Krippendorff's alpha {a:.3f} -> {b:.3f} "
                  f"({b - a:+.3f}), {kappa_name} {k1:.3f} -> {k2:.3f} ({k2 - k1:+.3f}). The rounds hold "
                  "different documents, so part of any change is the documents, not the coders."]
    adjudicated = _adjudication_lines(store)
    return lines + ([""] + adjudicated if adjudicated else [])


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
    current = check_report_target(path)
    if current is not None:
        start, end = current.find(START_MARK), current.find(END_MARK)
        updated = current[:start + len(START_MARK)] + "\n" + text + current[end:]
        path.write_text(updated, encoding="utf-8")
        return f"Updated the demo report section of {path.name}."
    path.write_text(text, encoding="utf-8")
    return f"Wrote the demo report to {path.name}."


def check_report_target(path: Path) -> str | None:
    """Refuse a report file that cannot be written, before the demo is built (the build
    replaces a project first); returns the text of an existing file with the markers."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; the report needs a file name.", f"Name e.g. {path / 'demo.md'}.")
    if path.exists():
        current = path.read_text(encoding="utf-8")
        start, end = current.find(START_MARK), current.find(END_MARK)
        if 0 <= start < end:
            return current
        raise ExportError(f"{path} exists and has no demo report section ({START_MARK} ... {END_MARK}).",
                          "Add the two markers where the report belongs, or name a new file.")
    if not path.parent.is_dir():
        raise ExportError(f"The folder {path.parent} does not exist.", "Create it first, or name a file in "
                          "an existing folder; nothing was built.")
    return None
