"""Getting results out for the article: quotes, matrices, figures, a methods summary.

Each function is one user action: read in one unit of work, then hand plain data to a
pure writer in :mod:`qualcode.exporters` through :func:`~qualcode.services.files.write_with`
(atomic, and never over an existing file unless ``overwrite``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.core.codebook import CodebookSpec
from qualcode.core.defaults import DEFAULT_CITE
from qualcode.errors import ExportError
from qualcode.exporters import figures, methods, tabular
from qualcode.exporters.markdown import write_quotes_markdown
from qualcode.exporters.quotes_docx import write_quotes_docx
from qualcode.exporters.tabular import MatrixTable, Quote
from qualcode.services import compare, pseudonym_outputs, pseudonyms, retrieval
from qualcode.services.codebook import get_codebook, spec_of
from qualcode.services.files import refuse_folder, write_with
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store

QUOTE_FORMATS = ("csv", "xlsx", "json", "md", "docx")
MATRIX_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Exported:
    path: Path
    items: int


def _format(path: Path, allowed: tuple[str, ...], fmt: str | None) -> str:
    refuse_folder(path)
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    chosen = {"markdown": "md"}.get(chosen, chosen)
    if chosen not in allowed:
        raise ExportError(f"Cannot tell how to write {path}: format '{chosen or 'none'}' is not one of "
                          f"{', '.join(allowed)}.", "End the file name in one of those, or pass --format.")
    return chosen


def cite(passage, template: str = DEFAULT_CITE, *, capitalize: bool = True) -> str:  # type: ignore[no-untyped-def]
    """"(Rektor, skola 3)": the attribution, its first word capitalised as in print."""
    text = retrieval.attribution(passage.attributes, passage.speaker, template)
    if capitalize:
        for i, char in enumerate(text):
            if char.isalpha():
                return text[:i] + char.upper() + text[i + 1:]
    return text


def quotes(store: Store, *, codebook: str | None = None, codes: list[str] | None = None,
           coders: list[str] | None = None, attributes: dict[str, list[str]] | None = None,
           documents: list[str] | None = None, template: str = DEFAULT_CITE,
           capitalize: bool = True, pseudonymise: bool | None = False) -> list[Quote]:
    """Coded passages with attribution, in codebook order then reading order."""
    codes = list(codes or [])
    order: dict[str, int] = {}
    if codebook is not None:
        with store.unit_of_work() as uow:
            book = get_codebook(uow, codebook)
            tree = compare.codes_in_tree_order(uow.codebooks.codes(book.id))
        order = {code.key: i for i, (code, _) in enumerate(tree)}
        codes = codes or [f"{book.slug}:{key}" for key in order]
    found = retrieval.passages(store, codes=codes or None, coders=coders, documents=documents,
                               attributes=attributes, limit=None, context=0, with_total=False).passages
    if not found:
        raise ExportError("No coded passages match this selection.",
                          "Loosen the filters (--code, --attr, --coder) or code some passages first.")
    found = sorted(found, key=lambda p: (order.get(p.code_key, len(order)), p.code_key,
                                         p.document_name, p.start, p.coding_id))
    compiled = pseudonyms.output_renderer(store, pseudonymise)
    if compiled is not None:  # after sorting, so the order is the same with and without
        found = pseudonyms.render_passages(compiled, found)
    return [Quote(p, cite(p, template, capitalize=capitalize)) for p in found]


def in_their_language(spec: CodebookSpec, found: list[Quote]) -> CodebookSpec:
    """The codebook with examples in the language of the quoted transcripts.

    A Swedish codebook's examples would sit oddly under English interviews: examples in
    another language than the quotes give way to this export's first quote of the code
    (none when the code has no quote here). Without quotes the examples stay as written.
    """
    from dataclasses import replace

    from qualcode.importers.language import detect_language

    if not found:
        return spec
    spoken = detect_language(" ".join(q.passage.text for q in found[:40]))
    first: dict[str, str] = {}
    for q in found:
        first.setdefault(q.passage.code_key, q.passage.text)
    codes = []
    for code in spec.codes:
        kept = [e for e in code.examples if e.strip()]
        same = [e for e in kept if detect_language(e) == spoken]
        if kept and not same:
            same = [first[code.key]] if code.key in first else []
        codes.append(replace(code, examples=tuple(same)) if same != kept else code)
    return replace(spec, codes=tuple(codes))


def export_quotes(store: Store, path: Path, *, fmt: str | None = None, codebook: str | None = None,
                  codes: list[str] | None = None, coders: list[str] | None = None,
                  attributes: dict[str, list[str]] | None = None, documents: list[str] | None = None,
                  template: str = DEFAULT_CITE, title: str = "Coded passages", appendix: bool = True,
                  language: str = "en", overwrite: bool = False,
                  pseudonymise: bool | None = None) -> Exported:
    """Coded passages to CSV, XLSX, JSON, Markdown or an article-ready Word file; with
    ``pseudonymise`` (default: the project's setting) names replaced by their pseudonyms."""
    chosen = _format(path, QUOTE_FORMATS, fmt)
    found = quotes(store, codebook=codebook, codes=codes, coders=coders, attributes=attributes,
                   documents=documents, template=template, pseudonymise=pseudonymise)
    if chosen == "csv":
        write_with(path, lambda s: tabular.write_quotes_csv(found, s), overwrite=overwrite, binary=False)
    elif chosen == "json":
        write_with(path, lambda s: tabular.write_quotes_json(found, s), overwrite=overwrite, binary=False)
    elif chosen == "md":
        write_with(path, lambda s: write_quotes_markdown(found, s, title=title), overwrite=overwrite,
                   binary=False)
    elif chosen == "xlsx":
        write_with(path, lambda s: tabular.write_quotes_xlsx(found, s), overwrite=overwrite)
    else:
        spec = None
        if appendix and codebook:
            spec = spec_of(store, codebook)
            compiled = pseudonyms.output_renderer(store, pseudonymise)
            if compiled is not None:  # the appendix's definitions and examples leave with the quotes
                spec = pseudonym_outputs.render_spec(compiled, spec)
            spec = in_their_language(spec, found)
        write_with(path, lambda s: write_quotes_docx(found, s, title=title, codebook=spec,
                                                     language=language), overwrite=overwrite)
    return Exported(path, len(found))


# ------------------------------------------------------------------ matrices


def matrix_table(matrix: compare.ComparisonMatrix) -> MatrixTable:
    """A comparison matrix as the plain table writers take, with its test as notes."""
    q = matrix.query
    notes = []
    s = matrix.stats
    if s is not None:
        notes.append(f"Chi-square({s.dof}, N = {s.n:g}) = {s.chi2:.2f}, p = {s.p_value:.4f}; "
                     f"Cramér's V = {s.cramers_v:.3f}; tested on {matrix.stats_basis}.")
        if s.fisher_p_value is not None:
            notes.append(f"Fisher's exact test: odds ratio {s.fisher_odds_ratio:.3f}, p = {s.fisher_p_value:.4f}.")
        notes.append(f"Residuals beyond ±{s.critical:.2f} mark cells with more (+) or fewer (-) "
                     "codings than independence predicts.")
        notes.extend(s.warnings)
    elif matrix.stats_note:
        notes.append(matrix.stats_note)
    return MatrixTable(
        title=f"{matrix.codebook.name}: {q.measure} by {q.by}",
        row_labels=tuple("  " * r.depth + r.label for r in matrix.rows),
        column_labels=matrix.column_names, values=matrix.values,
        residuals=s.residuals if s is not None else None, value_name=q.measure, notes=tuple(notes),
        digits=0 if q.measure in compare.COUNT_MEASURES else 2)


def _rendered_table(store: Store, table: MatrixTable, pseudonymise: bool | None) -> MatrixTable:
    compiled = pseudonyms.output_renderer(store, pseudonymise)
    return table if compiled is None else pseudonym_outputs.render_table(compiled, table)


def export_matrix(store: Store, path: Path, query: compare.ComparisonQuery, *, fmt: str | None = None,
                  overwrite: bool = False, pseudonymise: bool | None = None) -> Exported:
    """The matrix (and its residuals) to CSV or XLSX; with ``pseudonymise`` (default: the
    project's setting) its title, labels and notes rendered through the pseudonym table."""
    chosen = _format(path, MATRIX_FORMATS, fmt)
    table = _rendered_table(store, matrix_table(compare.compare(store, query)), pseudonymise)
    if chosen == "csv":
        write_with(path, lambda s: tabular.write_matrix_csv(table, s), overwrite=overwrite, binary=False)
    else:
        write_with(path, lambda s: tabular.write_matrix_xlsx(table, s), overwrite=overwrite)
    return Exported(path, len(table.row_labels))


def export_figure(store: Store, path: Path, query: compare.ComparisonQuery, *, fmt: str | None = None,
                  values: bool = False, dpi: int = 300, overwrite: bool = False,
                  pseudonymise: bool | None = None) -> Exported:
    """A heatmap of the residuals (or, with ``values``, of the values) as PNG or SVG;
    with ``pseudonymise`` (default: the project's setting) its labels rendered.

    Whose codings are counted goes under the title, so that a figure cut out of its
    report still says it.
    """
    chosen = _format(path, figures.FORMATS, fmt)
    table = _rendered_table(store, matrix_table(compare.compare(store, query)), pseudonymise)
    if not values and table.residuals is None:
        raise ExportError("This matrix has no chi-square test, so no residuals to draw.",
                          "Pass --values to draw the counts instead, or widen the selection.")
    write_with(path, lambda s: figures.write_heatmap(table, s, fmt=chosen, residuals=not values, dpi=dpi,
                                                     subtitle=_coders_line(query)),
               overwrite=overwrite)
    return Exported(path, len(table.row_labels))


def _coders_line(query: compare.ComparisonQuery) -> str:
    if query.by == "coder":
        return "one column per coder"
    return ("coder: " + ", ".join(query.coders)) if query.coders else "every coder pooled"


# ------------------------------------------------------------------ methods


def methods_summary(store: Store, *, by: list[str] | None = None) -> methods.MethodsSummary:
    """What a methods section reports: corpus size by attribute, codebooks, coders, counts."""
    by = by or ["level"]
    with store.unit_of_work() as uow:
        compare.check_attributes(uow, by, "--by")
        docs = uow.documents.list()
        words = sum(d.word_count for d in docs)
        breakdowns = []
        for key in by:
            sizes = uow.matrix.group_sizes(key)
            spoken = compare.words_per_group(uow, key, CodingFilter())
            rows = tuple((g.group if g.group is not None else compare.MISSING, g.documents, g.speakers,
                          spoken.get(g.group, 0))
                         for g in sorted(sizes, key=lambda g: compare.natural_key(g.group or "~")))
            breakdowns.append(methods.CorpusBreakdown(key, rows))
        books = []
        for book in uow.codebooks.list():
            counts = uow.codebooks.coding_counts(book.id)
            books.append((book.slug, book.name, book.version, len(uow.codebooks.codes(book.id)),
                          sum(counts.values())))
        progress = uow.codings.coder_progress()
        coders = []
        for coder in uow.coders.list():
            mine = {d: n for (d, c), n in progress.items() if c == coder.id}
            if mine:
                coders.append((coder.name, len(mine), sum(mine.values())))
        sentences = sum(d.sentence_count for d in docs)
        speakers = sum(d.speaker_count for d in docs)
    return methods.MethodsSummary(
        project=store.project_name(), documents=len(docs), words=words, sentences=sentences,
        speakers=speakers, breakdowns=tuple(breakdowns), codebooks=tuple(books), coders=tuple(coders),
        notes=("Words per group count the words of each speaker's turns; a turn counts for its "
               "speaker's attribute where the speaker has one, else for the document's.",))


def export_methods(store: Store, path: Path, *, by: list[str] | None = None,
                   overwrite: bool = False, pseudonymise: bool | None = None) -> Exported:
    """The methods summary as Markdown; with ``pseudonymise`` (default: the project's
    setting) attribute values and names rendered."""
    _format(path, ("md",), None)
    summary = methods_summary(store, by=by)
    compiled = pseudonyms.output_renderer(store, pseudonymise)
    if compiled is not None:
        summary = pseudonym_outputs.render_methods(compiled, summary)
    write_with(path, lambda s: methods.write_methods(summary, s), overwrite=overwrite, binary=False)
    return Exported(path, summary.documents)
