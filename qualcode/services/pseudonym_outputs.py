"""Pseudonyms applied to every kind of output: matrices and figures, the methods summary,
topic runs, the keyness term plot, agreement reports and disagreements, codebooks, and a
whole project for REFI-QDA exchange.

Each function takes a compiled :class:`~qualcode.core.pseudonyms.Renderer` and the plain
shape an exporter writes, and returns the same shape with every human-readable string
that can carry a name rendered (labels, titles, notes, attribute values, terms, text).
Numbers stay as they are. A project for exchange gets its document texts rewritten and
every position that points into them (codings, speaker turns) moved with the text, so
that another tool shows each coding on its pseudonymised passage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from qualcode.core.agreement import AgreementReport, Disagreement
from qualcode.core.codebook import CodebookSpec
from qualcode.core.exchange import ExchangeCoding, ExchangeDocument, ExchangeMemo, ExchangeProject
from qualcode.core.model import ParsedTurn
from qualcode.core.pseudonyms import Renderer
from qualcode.exporters.keyness_plot import TermPlot
from qualcode.exporters.methods import CorpusBreakdown, MethodsSummary
from qualcode.exporters.tabular import MatrixTable
from qualcode.services.compare import ComparisonMatrix
from qualcode.storage.records import Topic


def render_table(compiled: Renderer, table: MatrixTable) -> MatrixTable:
    """A matrix's title, row and column labels and notes rendered (figures draw the same)."""
    render = compiled.render
    return replace(table, title=render(table.title), row_labels=tuple(map(render, table.row_labels)),
                   column_labels=tuple(map(render, table.column_labels)), notes=tuple(map(render, table.notes)))


def render_comparison(compiled: Renderer, matrix: ComparisonMatrix) -> ComparisonMatrix:
    """A comparison as the terminal shows it: row labels and column names rendered."""
    return replace(matrix, rows=tuple(replace(r, label=compiled.render(r.label)) for r in matrix.rows),
                   columns=tuple(replace(c, name=compiled.render(c.name)) for c in matrix.columns),
                   stats_note=compiled.render(matrix.stats_note) if matrix.stats_note else matrix.stats_note)


def render_methods(compiled: Renderer, summary: MethodsSummary) -> MethodsSummary:
    """The methods summary: project name, attribute values and codebook names rendered."""
    render = compiled.render
    breakdowns = tuple(CorpusBreakdown(render(b.attribute), tuple((render(value), *rest) for value, *rest in b.rows))
                       for b in summary.breakdowns)
    books = tuple((slug, render(name), version, codes, codings)
                  for slug, name, version, codes, codings in summary.codebooks)
    return replace(summary, project=render(summary.project), breakdowns=breakdowns, codebooks=books,
                   notes=tuple(map(render, summary.notes)))


def render_topic(compiled: Renderer, topic: Topic) -> Topic:
    """A topic's terms and label rendered: its name, made of them, follows.

    Terms are rendered one by one ("björkskolan" alone is a word; inside the joined name
    "björkskolan_rektor" it would not be one)."""
    terms = tuple((compiled.render(term), weight) for term, weight in topic.terms)
    label = compiled.render(topic.label) if topic.label else topic.label
    return replace(topic, terms=terms, label=label)


def render_term_plot(compiled: Renderer, plot: TermPlot) -> TermPlot:
    """A term plot's words and the concordance lines its page shows on hover rendered;
    the counts and statistics stay as they are."""
    points = [replace(point, word=compiled.render(point.word), examples_a=tuple(compiled.render_many(point.examples_a)),
                      examples_b=tuple(compiled.render_many(point.examples_b))) for point in plot.points]
    return replace(plot, points=points)


def render_values(compiled: Renderer, value: Any) -> Any:
    """Every string in nested dicts, lists and tuples rendered (keys too); the rest as is."""
    if isinstance(value, str):
        return compiled.render(value)
    if isinstance(value, dict):
        return {render_values(compiled, k): render_values(compiled, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(render_values(compiled, v) for v in value)
    return value


def render_agreement(compiled: Renderer, report: AgreementReport) -> AgreementReport:
    """An agreement report as its exports and the terminal show it: document names (in the
    list and in rows by document), code labels, notes, the unit's description, the
    sample's name and the settings' values rendered; the figures stay as they are."""
    render = compiled.render
    rows = tuple(replace(r, code_label=render(r.code_label), document=render(r.document) if r.document else r.document)
                 for r in report.rows)
    return replace(report, documents=tuple(map(render, report.documents)), rows=rows,
                   notes=tuple(map(render, report.notes)), unit_description=render(report.unit_description),
                   sample=render(report.sample) if report.sample else report.sample,
                   settings={k: render(v) if isinstance(v, str) else v for k, v in report.settings.items()})


def render_disagreements(compiled: Renderer, found: list[Disagreement]) -> list[Disagreement]:
    """Disagreements with their passages' text (in one pass) and document names rendered."""
    texts = compiled.render_many([d.text for d in found])
    return [replace(d, document=compiled.render(d.document), text=text) for d, text in zip(found, texts, strict=True)]


# ------------------------------------------------------------------ exchange


def render_spec(compiled: Renderer, spec: CodebookSpec) -> CodebookSpec:
    """A codebook as its exports write it: its name, description, and each code's labels,
    definition, inclusion and exclusion rules and example quotes rendered."""
    render = compiled.render
    codes = tuple(replace(c, label_en=render(c.label_en), label_sv=render(c.label_sv),
                          definition=render(c.definition), inclusion=render(c.inclusion),
                          exclusion=render(c.exclusion), examples=tuple(map(render, c.examples)))
                  for c in spec.codes)
    return replace(spec, name=render(spec.name), description=render(spec.description), codes=codes)


def _render_document(compiled: Renderer, document: ExchangeDocument) -> tuple[ExchangeDocument, Callable[..., int]]:
    text, move = compiled.render_with_offsets(document.text)
    turns = tuple(ParsedTurn(compiled.render(t.speaker) if t.speaker else t.speaker, move(t.start), move(t.end, True),
                             t.start_time, t.end_time) for t in document.turns)
    speakers = {compiled.render(label): {k: compiled.render(v) for k, v in values.items()}
                for label, values in document.speakers.items()}
    attributes = {k: compiled.render(v) for k, v in document.attributes.items()}
    return replace(document, name=compiled.render(document.name), text=text, turns=turns, speakers=speakers,
                   attributes=attributes), move


def render_project(compiled: Renderer, project: ExchangeProject) -> ExchangeProject:
    """A whole project as it may leave for a co-author's tool: document names, texts,
    attributes, speakers, memos and codebooks rendered, and each coding's and turn's
    ``[start, end)`` moved to where its passage lies in the rendered text (a boundary
    inside a name widens to the whole replacement)."""
    documents: list[ExchangeDocument] = []
    moves: dict[str, Callable[..., int]] = {}
    names: dict[str, str] = {}
    for document in project.documents:
        done, move = _render_document(compiled, document)
        documents.append(done)
        moves[document.name] = move
        names[document.name] = done.name
    taken = [d.name for d in documents]
    if len(set(taken)) != len(taken):
        from qualcode.services.pseudonyms import PseudonymError

        twice = sorted({n for n in taken if taken.count(n) > 1})
        raise PseudonymError(f"Pseudonymised, two documents would have the same name: {', '.join(twice)}.",
                             "Give the entries that make their names distinct replacements.")
    codings: list[ExchangeCoding] = []
    for coding in project.codings:
        move = moves[coding.document]
        codings.append(replace(coding, document=names[coding.document], start=move(coding.start),
                               end=move(coding.end, True)))
    memos: list[ExchangeMemo] = []
    for memo in project.memos:
        target = memo.target
        if memo.target_kind == "document" and isinstance(target, str):
            target = names.get(target, target)
        memos.append(replace(memo, target=target, text=compiled.render(memo.text)))
    return replace(project, name=compiled.render(project.name), documents=tuple(documents),
                   codings=tuple(codings), memos=tuple(memos),
                   codebooks=tuple(render_spec(compiled, s) for s in project.codebooks))
