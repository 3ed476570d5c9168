"""``qualcode compare`` (codes by groups, with statistics) and ``qualcode cooccur``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    LEGACY_CODEBOOK,
    AttrOption,
    CodebookOption,
    DbOption,
    DocOption,
    JsonOption,
    MatrixCodersOption,
    PseudonymiseOption,
    QuietOption,
    SetOption,
    chosen_codebook,
    in_sets,
    parse_filters,
    project,
)
from qualcode.cli.output import console, escape, print_json
from qualcode.cli.saving import saveable
from qualcode.core.defaults import DEFAULT_CITE
from qualcode.core.model import CodedPassage
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services import compare as service
    from qualcode.services import pseudonym_outputs, pseudonyms, retrieval
else:
    service = lazy_module("qualcode.services.compare")
    retrieval = lazy_module("qualcode.services.retrieval")
    pseudonyms = lazy_module("qualcode.services.pseudonyms")
    pseudonym_outputs = lazy_module("qualcode.services.pseudonym_outputs")

LevelOption = Annotated[int | None, typer.Option("--level", help="Only codes at this depth (0 = top level).")]
RollupOption = Annotated[bool, typer.Option("--rollup", help="A code's row also counts its sub-codes' codings.")]
CodeOption = Annotated[list[str] | None, typer.Option("--code", help="Only these codes as rows (repeatable).")]
CiteOption = Annotated[str, typer.Option("--cite", help="Attribution template, e.g. '({role}, {school})'.")]


def _passages(passages: list[CodedPassage], cite: str, as_json: bool, title: str) -> None:
    if as_json:
        print_json({"cell": title, "passages": [
            {**vars(p), "attribution": retrieval.attribution(p.attributes, p.speaker, cite)}
            for p in passages]})
        return
    console.print(f"[bold]{escape(title)}[/]: {len(passages)} passage{'' if len(passages) == 1 else 's'}")
    for p in passages:
        cited = retrieval.attribution(p.attributes, p.speaker, cite)
        console.print(f"\n[cyan]{escape(p.document_name)}[/] {p.start}-{p.end} [dim]{escape(p.speaker or '')}"
                      f" coder {escape(p.coder)}[/]", soft_wrap=True)
        console.print(f"  {escape(p.text)} {escape(cited)}", soft_wrap=True)


def _cell(value: str, what: str, example: str) -> tuple[str, str]:
    row, sep, column = value.partition("=")
    if not sep or not row or not column:
        raise QualcodeError(f"--cell '{value}' is not {what}.", f"Write e.g. --cell {example}.")
    return row.strip(), column.strip()


@saveable("compare")
def compare(
    by: Annotated[str, typer.Option("--by", help="Columns: an attribute (level, role, school, ...) "
                                    "or document, speaker, coder.")],
    ctx: typer.Context,
    codebook: CodebookOption = None,
    measure: Annotated[str, typer.Option(
        "--measure", help="codings | documents | speakers | segments (%% of the group's sentences) "
        "| per1000 (codings per 1,000 words).")] = "codings",
    level: LevelOption = None,
    rollup: RollupOption = False,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    attr: AttrOption = None,
    document: DocOption = None,
    set_: SetOption = None,
    group: Annotated[list[str] | None, typer.Option("--group", help="Only these columns, in this order (repeatable).")] = None,
    missing: Annotated[bool, typer.Option("--missing", help="Add a column for codings without a value of --by.")] = False,
    empty: Annotated[bool, typer.Option("--empty", help="Keep rows without codings.")] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level for flagging residuals.")] = 0.05,
    cell: Annotated[str | None, typer.Option("--cell", help="List the passages of one cell: CODE=COLUMN.")] = None,
    cite: CiteOption = DEFAULT_CITE,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Codes by groups: counts with a chi-square test and adjusted residuals per cell."""
    from qualcode.services import coder_scope

    with project(db) as store:
        scope = coder_scope.resolve(store, coder, by=by)
        documents = in_sets(store, set_, document, command="compare").documents
        query = service.ComparisonQuery(
            codebook=chosen_codebook(codebook, ctx.args), by=by, measure=measure, level=level, rollup=rollup,
            codes=tuple(code or ()), coders=scope.coders, attributes=service.ComparisonQuery.attrs(parse_filters(attr)),
            documents=tuple(documents or ()), groups=tuple(group or ()), include_missing=missing,
            include_empty=empty, alpha=alpha)
        compiled = pseudonyms.output_renderer(store, pseudonymise)
        if cell:
            row, column = _cell(cell, "CODE=COLUMN", "lc.bypassed=school")
            found = service.cell_passages(store, query, row, column, context=0)
            title = f"{row} x {by}={column}"
            if compiled is not None:
                found = pseudonyms.render_passages(compiled, found)
                title = compiled.render(title)
            _passages(found, cite, as_json, title)
            return
        matrix = service.compare(store, query)
        if compiled is not None:
            matrix = pseudonym_outputs.render_comparison(compiled, matrix)
    if as_json:
        print_json({**matrix.to_dict(), "coders_note": scope.note})
        return
    print_matrix(matrix, quiet=quiet)
    if not quiet:
        console.print(scope.note, style="italic", markup=False)


def print_matrix(matrix: service.ComparisonMatrix, *, quiet: bool = False) -> None:
    """The matrix as a table; cells flagged + (over-represented) or - (under-represented)."""
    from rich.table import Table

    q = matrix.query
    digits = 0 if q.measure in service.COUNT_MEASURES else 2
    table = Table(title=None if quiet else f"{matrix.codebook.name}: {q.measure} by {q.by}")
    table.add_column("code")
    for name in matrix.column_names:
        table.add_column(escape(name), justify="right")
    flags = matrix.stats is not None
    for i, row in enumerate(matrix.rows):
        cells = []
        for j, value in enumerate(matrix.values[i]):
            text = f"{value:.{digits}f}"
            if flags:
                flag = matrix.stats.flag(i, j)  # type: ignore[union-attr]
                text += {"+": " [green]+[/]", "-": " [red]-[/]"}.get(flag, "  ")
            cells.append(text)
        table.add_row("  " * row.depth + escape(row.key), *cells)
    console.print(table)
    if quiet:
        return
    if matrix.stats is not None:
        s = matrix.stats
        p = f"p = {s.p_value:.3f}" if s.p_value >= 0.001 else "p < 0.001"
        console.print(f"Chi-square({s.dof}, N = {s.n:g}) = {s.chi2:.2f}, {p}; "
                      f"Cramér's V = {s.cramers_v:.2f} (on {matrix.stats_basis}).")
        if s.fisher_p_value is not None:
            console.print(f"Fisher's exact test: odds ratio {s.fisher_odds_ratio:.2f}, p = {s.fisher_p_value:.3g}.")
        console.print(f"+ / -: adjusted standardized residual beyond ±{s.critical:.2f} "
                      "(more / fewer codings than independence predicts).")
        for warning in s.warnings:
            console.print(f"[yellow]Note:[/] {escape(warning)}")
    elif matrix.stats_note:
        console.print(f"[yellow]Note:[/] {escape(matrix.stats_note)}")
    if matrix.left_out:
        console.print(f"{matrix.left_out} codings without a value of '{escape(q.by)}' are left out "
                      "(--missing adds a column for them).")


def cooccur(
    ctx: typer.Context,
    codebook: CodebookOption = None,
    mode: Annotated[str, typer.Option("--mode", help="overlap (spans overlap) | segment (same sentence) "
                                      "| near (within --window sentences).")] = "overlap",
    window: Annotated[int | None, typer.Option(
        "--window", help="Sentences between codings for --mode near (default 1).", min=0)] = None,
    level: LevelOption = None,
    rollup: RollupOption = False,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    attr: AttrOption = None,
    document: DocOption = None,
    set_: SetOption = None,
    cell: Annotated[str | None, typer.Option("--cell", help="List the coding pairs of one cell: CODE=CODE.")] = None,
    cite: CiteOption = DEFAULT_CITE,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Code by code: how many coding pairs occur together, and the passages behind a cell."""
    from rich.table import Table

    with project(db) as store:
        documents = in_sets(store, set_, document, command="cooccur").documents
        query = service.CooccurrenceQuery(
            codebook=chosen_codebook(codebook, ctx.args), mode=mode, window=window, level=level, rollup=rollup,
            codes=tuple(code or ()), coders=tuple(coder or ()),
            attributes=service.ComparisonQuery.attrs(parse_filters(attr)), documents=tuple(documents or ()))
        if cell:
            first, second = _cell(cell, "CODE=CODE", "lc.bypassed=lc.contested")
            pairs = service.cooccurrence_passages(store, query, first, second)
            compiled = pseudonyms.output_renderer(store, pseudonymise)
            if compiled is not None:
                pairs = [tuple(pseudonyms.render_passage(compiled, p) for p in pair) for pair in pairs]
            if as_json:
                print_json({"cell": [first, second], "pairs": [
                    [{**vars(p), "attribution": retrieval.attribution(p.attributes, p.speaker, cite)}
                     for p in pair] for pair in pairs]})
                return
            console.print(f"[bold]{escape(first)} with {escape(second)}[/]: {len(pairs)} pairs")
            for a, b in pairs:
                console.print(f"\n[cyan]{escape(a.document_name)}[/] "
                              f"{escape(retrieval.attribution(a.attributes, a.speaker, cite))}", soft_wrap=True)
                console.print(f"  \\[{escape(a.code_key)}] {escape(a.text)}", soft_wrap=True)
                console.print(f"  \\[{escape(b.code_key)}] {escape(b.text)}", soft_wrap=True)
            return
        matrix = service.cooccur(store, query)
    if as_json:
        print_json(matrix.to_dict())
        return
    table = Table(title=f"{matrix.codebook.name}: co-occurrence ({mode})")
    table.add_column("code")
    for row in matrix.rows:
        table.add_column(escape(row.key), justify="right")
    for i, row in enumerate(matrix.rows):
        table.add_row(escape(row.key), *(f"[dim]{n}[/]" if i == j else str(n)
                                         for j, n in enumerate(matrix.counts[i])))
    console.print(table)
    console.print("The diagonal (dim) is each code's number of codings.")


def register(app: typer.Typer) -> None:
    app.command(context_settings=LEGACY_CODEBOOK)(compare)
    app.command(context_settings=LEGACY_CODEBOOK)(cooccur)
