"""Topic runs written out: tables, figures, BERTopic's interactive views.

Tables and static figures come from what a run stored. The interactive HTML views need
the fitted model, which is not stored, so :func:`refit` fits the run again and refuses
when that would not give the same topics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qualcode.analysis import topics as fitting
from qualcode.analysis.embeddings import Embedder
from qualcode.errors import ExportError
from qualcode.exporters import topic_figures
from qualcode.exporters.tabular import MatrixTable
from qualcode.services import files, topics
from qualcode.services.topics import Progress
from qualcode.storage.records import Topic
from qualcode.storage.store import Store

EXPORT_VIEWS = ("topics", "assignments", "actors", "codes", *topic_figures.HTML_VIEWS)
_SUFFIXES = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".png": "png", ".svg": "svg", ".html": "html"}


def _bars(topics: Sequence[Topic]) -> list[topic_figures.TopicBar]:
    return [topic_figures.TopicBar(t.number, t.name(), t.size, t.terms) for t in topics]


def refit(store: Store, run_id: int, *, embedder: str | Embedder | None = None,
          progress: Progress | None = None) -> tuple[fitting.TopicFit, topics.Prepared]:
    """Fit a stored run again from its parameters, checking that it comes out the same
    (BERTopic's interactive views need the fitted model, which is not stored)."""
    with store.unit_of_work() as uow:
        run = topics.run_or_fail(uow, run_id)
        stored = {a.segment_id: a.topic_number for a in uow.topics.assignments(run_id)}
    p = run.parameters
    made_by = run.versions.get(fitting.FIT_METHOD_KEY, "1")
    if made_by != fitting.FIT_METHOD:
        raise ExportError(f"Topic run {run_id} was fitted by an earlier fitting method of qualcode "
                          f"({made_by}; now {fitting.FIT_METHOD}), so it cannot be redrawn exactly.",
                          "Fit a new run with 'qualcode topics fit' and export that.")
    filters = {"attributes": p.get("attributes") or None, "exclude": p.get("exclude") or None}
    with store.unit_of_work() as uow:
        records = topics.segment_records(uow, topics.segment_kind_of(run.unit), **filters)
    if topics.data_digest(records) != p.get("data_digest"):
        raise ExportError(f"The segments of topic run {run_id} have changed since it was fitted "
                          "(documents were imported, deleted or re-segmented), so it cannot be redrawn.",
                          "Fit a new run with 'qualcode topics fit' and export that.")
    data = topics.prepare(store, unit=run.unit, embedder=embedder or p.get("embedder"), **filters)
    result = fitting.fit([r.text for r in data.records], data.vectors, fitting.TopicSettings.from_dict(p),
                         progress=progress, keep_model=True)
    again = {r.segment_id: t for r, t in zip(data.records, result.assignments, strict=True)}
    if again != stored:
        raise ExportError(f"Fitting topic run {run_id} again gave different topics (library versions "
                          f"then: {run.versions}; now: {fitting.library_versions()}).",
                          "Fit a new run with 'qualcode topics fit' and export that.")
    return result, data


def export_run(store: Store, run_id: int, path: Path, *, view: str = "topics", by: str | None = None,
               codebook: str | None = None, overwrite: bool = False,
               embedder: str | Embedder | None = None, progress: Progress | None = None,
               pseudonymise: bool | None = None) -> Path:
    """Write one view of a run; the file's suffix picks the format. With ``pseudonymise``
    (default: the project's setting) terms, labels, passages and attribute values are
    rendered through the pseudonym table; BERTopic's HTML views, drawn by BERTopic from
    the texts themselves, are then refused."""
    from qualcode.exporters import figures, tabular
    from qualcode.services import pseudonym_outputs, pseudonyms

    fmt = _SUFFIXES.get(path.suffix.lower())
    if view not in EXPORT_VIEWS:
        raise ExportError(f"Unknown view '{view}'.", f"Choose one of {', '.join(EXPORT_VIEWS)}.")
    allowed = {"topics": ("csv", "json", "png", "svg", "html"), "assignments": ("csv", "json"),
               "actors": ("csv", "xlsx", "png", "svg"), "codes": ("csv", "xlsx", "png", "svg")}.get(view, ("html",))
    if fmt not in allowed:
        raise ExportError(f"The '{view}' view is written as {', '.join(allowed)}, not '{path.suffix or path.name}'.",
                          f"Name the file with one of: {', '.join('.' + a for a in allowed)}.")
    compiled = pseudonyms.output_renderer(store, pseudonymise)
    if compiled is not None and (view in topic_figures.HTML_VIEWS or fmt == "html"):
        raise ExportError(f"BERTopic's '{view}' HTML view cannot be pseudonymised: BERTopic draws it from the "
                          "stored texts and its own labels.",
                          "Export the topics as .csv, .json, .png or .svg, or pass --no-pseudonymise for a "
                          "view that stays on the secure server.")
    files.check_target(path, overwrite=overwrite)
    if view in topic_figures.HTML_VIEWS or (view == "topics" and fmt == "html"):
        html_view = "terms" if view == "topics" else view
        result, data = refit(store, run_id, embedder=embedder, progress=progress)
        texts = [r.text for r in data.records]
        return files.write_with(path, lambda s: topic_figures.write_html_view(
            result.model, html_view, s, texts=texts, embeddings=data.vectors), overwrite=overwrite, binary=False)
    if view == "topics":
        run = topics.run_topics(store, run_id)
        shown = run.topics if compiled is None else [pseudonym_outputs.render_topic(compiled, t) for t in run.topics]
        bars = _bars(shown)
        if fmt == "csv":
            return files.write_with(path, lambda s: topic_figures.write_topics_csv(bars, s),
                                    overwrite=overwrite, binary=False)
        if fmt == "json":
            extra = {"run": run.run.id, "label": run.run.label, "parameters": run.run.parameters,
                     "versions": run.run.versions, "created_at": run.run.created_at}
            if compiled is not None:
                extra = pseudonym_outputs.render_values(compiled, extra)
            return files.write_with(path, lambda s: topic_figures.write_topics_json(bars, s, extra=extra),
                                    overwrite=overwrite, binary=False)
        title = f"Topic run {run_id}" + (f": {run.run.label}" if run.run.label else "")
        title = compiled.render(title) if compiled is not None else title
        return files.write_with(path, lambda s: topic_figures.write_topic_figure(bars, s, fmt=fmt, title=title),
                                overwrite=overwrite)
    if view == "assignments":
        passages = topic_passages_all(store, run_id)
        if compiled is not None:
            passages = pseudonyms.render_passages(compiled, passages)
        header = ("segment", "document", "speaker", "start", "end", "topic", "probability", "text")
        rows = [(p.segment_id, p.document_name, p.speaker or "", p.start, p.end, p.topic_number,
                 "" if p.probability is None else p.probability, p.text) for p in passages]
        if fmt == "csv":
            return files.write_with(path, lambda s: topic_figures.write_rows_csv(header, rows, s),
                                    overwrite=overwrite, binary=False)
        return files.write_with(path, lambda s: _dump([dict(zip(header, r, strict=True)) for r in rows], s),
                                overwrite=overwrite, binary=False)
    table = actors_table(store, run_id, by) if view == "actors" else codes_table(store, run_id, codebook)
    if compiled is not None:
        table = pseudonym_outputs.render_table(compiled, table)
    if fmt == "csv":
        return files.write_with(path, lambda s: tabular.write_matrix_csv(table, s), overwrite=overwrite, binary=False)
    if fmt == "xlsx":
        return files.write_with(path, lambda s: tabular.write_matrix_xlsx(table, s), overwrite=overwrite)
    return files.write_with(path, lambda s: figures.write_heatmap(table, s, fmt=fmt,
                                                                  residuals=table.residuals is not None),
                            overwrite=overwrite)


def _dump(data: Any, stream: Any) -> None:
    import json

    json.dump(data, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def topic_passages_all(store: Store, run_id: int) -> list[topics.TopicPassage]:
    """Every segment of a run with its topic, in reading order."""
    with store.unit_of_work() as uow:
        topics.run_or_fail(uow, run_id)
        return topics.passages_of(uow, uow.topics.assignments(run_id), set())


def actors_table(store: Store, run_id: int, by: str | None) -> MatrixTable:
    """The topic x attribute matrix as the comparison exports take it."""
    if not by:
        raise ExportError("The actors view needs --by KEY (e.g. --by level).")
    matrix = topics.topics_by(store, run_id, by)
    notes = []
    if matrix.stats is not None:
        s = matrix.stats
        notes.append(f"Chi-square({s.dof}, N = {s.n:g}) = {s.chi2:.2f}, p = {s.p_value:.4g}; "
                     f"Cramér's V = {s.cramers_v:.3f}; tested on segments.")
        notes.extend(s.warnings)
    elif matrix.stats_note:
        notes.append(matrix.stats_note)
    return MatrixTable(title=f"Topic run {run_id}: segments by {by}",
                       row_labels=tuple(f"{t.number}: {t.name()}" for t in matrix.topics),
                       column_labels=matrix.columns, values=matrix.values,
                       residuals=matrix.stats.residuals if matrix.stats is not None else None,
                       value_name="segments", notes=tuple(notes))


def codes_table(store: Store, run_id: int, codebook: str | None) -> MatrixTable:
    """Share (%) of each topic's passages that carry each code, and the uncoded share."""
    view = topics.topics_vs_codes(store, run_id, codebook=codebook)
    keys = sorted({c.code_key for t in view.topics for c in t.codes})
    values = []
    for t in view.topics:
        share = {c.code_key: 100 * c.share for c in t.codes}
        values.append(tuple(share.get(k, 0.0) for k in keys) + (100 * t.uncoded_share,))
    return MatrixTable(title=f"Topic run {run_id}: % of passages with each code ({view.codebook})",
                       row_labels=tuple(f"{t.topic.number}: {t.topic.name()}" for t in view.topics),
                       column_labels=(*keys, "uncoded"), values=tuple(values), value_name="percent",
                       digits=1, notes=(f"Blind spots: topics with more than {view.threshold:.0%} uncoded.",))
