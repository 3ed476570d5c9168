"""``qualcode export ...``: quotes, matrices, figures and a methods summary to files.

The group lives here so that other exports (REFI-QDA) can add their commands to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    CodeOption,
    CodersOption,
    DbOption,
    DocOption,
    FormatOption,
    MatrixCodersOption,
    PseudonymiseOption,
    QuietOption,
    ReplaceFileOption,
    parse_filters,
    project,
)
from qualcode.cli.output import console
from qualcode.core.defaults import DEFAULT_CITE

if TYPE_CHECKING:
    from qualcode.services import compare, export
else:
    compare = lazy_module("qualcode.services.compare")
    export = lazy_module("qualcode.services.export")

export_app = typer.Typer(help="Write coded passages, matrices, figures and a methods summary to files.",
                         no_args_is_help=True)

PathArg = Annotated[Path, typer.Argument(help="File to write; its ending picks the format.")]
CodebookOption = Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook slug.")]


def _done(result: export.Exported, what: str, quiet: bool) -> None:
    if quiet:
        console.print(str(result.path), markup=False)
    else:
        console.print(f"Wrote {result.items} {what} to {result.path}.", markup=False)


@export_app.command("quotes")
def quotes(
    path: PathArg,
    codebook: CodebookOption = None,
    code: CodeOption = None,
    coder: CodersOption = None,
    attr: AttrOption = None,
    document: DocOption = None,
    cite: Annotated[str, typer.Option("--cite", help="Attribution template from speaker and document "
                                      "attributes; fields without a value drop out.")] = DEFAULT_CITE,
    title: Annotated[str, typer.Option("--title", help="Title of the Markdown or Word document.")] = "Coded passages",
    appendix: Annotated[bool, typer.Option("--appendix/--no-appendix",
                                           help="Word: add the codebook as an appendix table (needs --codebook).")] = True,
    language: Annotated[str, typer.Option("--language", help="Word appendix labels: en or sv.")] = "en",
    fmt: FormatOption = None,
    pseudonymise: PseudonymiseOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Coded passages with attribution: .csv, .xlsx, .json, .md or article-ready .docx."""
    with project(db) as store:
        result = export.export_quotes(
            store, path, fmt=fmt, codebook=codebook, codes=code, coders=coder,
            attributes=parse_filters(attr), documents=document, template=cite, title=title,
            appendix=appendix, language=language, overwrite=force, pseudonymise=pseudonymise)
    _done(result, "passages", quiet)


def _query(codebook: str, by: str, measure: str, level: int | None, rollup: bool, code: list[str] | None,
           coder: list[str] | None, attr: list[str] | None, group: list[str] | None) -> compare.ComparisonQuery:
    return compare.ComparisonQuery(
        codebook=codebook, by=by, measure=measure, level=level, rollup=rollup, codes=tuple(code or ()),
        coders=tuple(coder or ()), attributes=compare.ComparisonQuery.attrs(parse_filters(attr)),
        groups=tuple(group or ()))


CodebookArg = Annotated[str, typer.Option("--codebook", "-c", help="Codebook slug.")]
ByOption = Annotated[str, typer.Option("--by", help="Columns: an attribute, or document, speaker, coder.")]
MeasureOption = Annotated[str, typer.Option("--measure", help="codings | documents | speakers | segments | per1000.")]
LevelOption = Annotated[int | None, typer.Option("--level", help="Only codes at this depth (0 = top).")]
# 1200 dpi is what journals ask of line art; far more makes a figure matplotlib cannot allocate.
DpiOption = Annotated[int, typer.Option("--dpi", help="Resolution of PNG figures.", min=72, max=1200)]
RollupOption = Annotated[bool, typer.Option("--rollup", help="Rows also count their sub-codes.")]
GroupOption = Annotated[list[str] | None, typer.Option("--group", help="Only these columns, in order (repeatable).")]


@export_app.command("matrix")
def matrix(
    path: PathArg,
    codebook: CodebookArg,
    by: ByOption,
    measure: MeasureOption = "codings",
    level: LevelOption = None,
    rollup: RollupOption = False,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    attr: AttrOption = None,
    group: GroupOption = None,
    fmt: FormatOption = None,
    pseudonymise: PseudonymiseOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """A code-by-group matrix with adjusted residuals and test results: .csv or .xlsx."""
    from qualcode.services import coder_scope

    with project(db) as store:
        scope = coder_scope.resolve(store, coder, by=by)
        query = _query(codebook, by, measure, level, rollup, code, list(scope.coders), attr, group)
        result = export.export_matrix(store, path, query, fmt=fmt, overwrite=force, pseudonymise=pseudonymise)
    _done(result, "rows", quiet)
    if not quiet:
        console.print(scope.note, markup=False)


@export_app.command("figure")
def figure(
    path: PathArg,
    codebook: CodebookArg,
    by: ByOption,
    measure: MeasureOption = "codings",
    level: LevelOption = None,
    rollup: RollupOption = False,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    attr: AttrOption = None,
    group: GroupOption = None,
    values: Annotated[bool, typer.Option("--values", help="Draw the values instead of the residuals.")] = False,
    dpi: DpiOption = 300,
    fmt: FormatOption = None,
    pseudonymise: PseudonymiseOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """A heatmap of the matrix's adjusted residuals (or values): .png or .svg."""
    from qualcode.services import coder_scope

    with project(db) as store:
        scope = coder_scope.resolve(store, coder, by=by)
        query = _query(codebook, by, measure, level, rollup, code, list(scope.coders), attr, group)
        result = export.export_figure(store, path, query, fmt=fmt, values=values, dpi=dpi, overwrite=force,
                                       pseudonymise=pseudonymise)
    if quiet:
        console.print(str(result.path), markup=False)
    else:
        rows = f"{result.items} row{'' if result.items == 1 else 's'}"
        console.print(f"Wrote a figure of {rows} to {result.path}. {scope.note}", markup=False)


@export_app.command("methods")
def methods(
    path: PathArg,
    by: Annotated[list[str] | None, typer.Option("--by", help="Break the corpus down by these attributes "
                                                 "(repeatable; default level).")] = None,
    pseudonymise: PseudonymiseOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """A methods summary in Markdown: corpus by attribute, codebooks and versions, coders, counts."""
    with project(db) as store:
        result = export.export_methods(store, path, by=by, overwrite=force, pseudonymise=pseudonymise)
    _done(result, "documents", quiet)


# ------------------------------------------------------------------ coding as a picture



def _picture_done(result: export.Exported, what: str, unit: str, note: str, quiet: bool) -> None:
    if quiet:
        console.print(str(result.path), markup=False)
    else:
        count = f"{result.items} {unit}{'' if result.items == 1 else 's'}"
        console.print(f"Wrote {what} of {count} to {result.path}. {note}", markup=False)


@export_app.command("codeline")
def codeline(
    path: PathArg,
    document: Annotated[str, typer.Option("--doc", help="The document (name, unique prefix or id).")],
    codebook: CodebookOption = None,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    per_coder: Annotated[bool, typer.Option("--per-coder", help="One strip per code and coder "
                                            "(every coder unless --coder names some).")] = False,
    empty: Annotated[bool, typer.Option("--empty", help="Keep codes without a coding in the document.")] = False,
    dpi: DpiOption = 200,
    fmt: FormatOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """A document's codeline: one strip per code along the text (.png or .svg)."""
    from qualcode.services import coder_scope, pictures

    with project(db) as store:
        if per_coder and not coder:
            scope = coder_scope.scope_of((), "Every coder, one strip each")
        else:
            scope = coder_scope.resolve(store, coder)
        result = pictures.export_codeline(
            store, path, document, fmt=fmt, dpi=dpi, overwrite=force, codebook=codebook,
            codes=tuple(code or ()), coders=scope.coders, per_coder=per_coder, include_empty=empty)
    _picture_done(result, "a codeline", "strip", scope.note, quiet)


@export_app.command("code-matrix")
def code_matrix(
    path: PathArg,
    codebook: CodebookArg,
    measure: Annotated[str, typer.Option("--measure", help="count (codings per cell) | share "
                                         "(share of the document's text coded).")] = "count",
    level: LevelOption = None,
    rollup: RollupOption = False,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    attr: AttrOption = None,
    document: DocOption = None,
    dpi: DpiOption = 200,
    fmt: FormatOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Codes by documents, shaded by codings or by share of the text (.png or .svg)."""
    from qualcode.services import coder_scope, pictures

    with project(db) as store:
        scope = coder_scope.resolve(store, coder)
        result = pictures.export_code_matrix(
            store, path, fmt=fmt, dpi=dpi, overwrite=force, codebook=codebook, measure=measure,
            codes=tuple(code or ()), coders=scope.coders, attributes=parse_filters(attr),
            documents=tuple(document or ()), level=level, rollup=rollup)
    _picture_done(result, "a code x document overview", "code", scope.note, quiet)


@export_app.command("network")
def network(
    path: PathArg,
    codebook: CodebookArg,
    mode: Annotated[str, typer.Option("--mode", help="overlap (spans overlap) | segment (same sentence) "
                                      "| near (within --window sentences).")] = "overlap",
    window: Annotated[int | None, typer.Option(
        "--window", help="Sentences between codings for --mode near (default 1).", min=0)] = None,
    min_pairs: Annotated[int, typer.Option("--min-pairs", help="Draw edges of at least this many pairs.",
                                           min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the layout: the same seed, the same picture.")] = 7,
    level: LevelOption = None,
    rollup: RollupOption = False,
    code: CodeOption = None,
    coder: MatrixCodersOption = None,
    attr: AttrOption = None,
    document: DocOption = None,
    dpi: DpiOption = 200,
    fmt: FormatOption = None,
    force: ReplaceFileOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """The code co-occurrence network: nodes by codings, edges by pairs (.png or .svg)."""
    from qualcode.services import coder_scope, pictures

    with project(db) as store:
        scope = coder_scope.resolve(store, coder)
        result = pictures.export_network(
            store, path, fmt=fmt, dpi=dpi, seed=seed, min_pairs=min_pairs, overwrite=force,
            codebook=codebook, mode=mode, window=window, codes=tuple(code or ()), coders=scope.coders,
            attributes=parse_filters(attr), documents=tuple(document or ()), level=level, rollup=rollup)
    _picture_done(result, "a co-occurrence network", "code", scope.note, quiet)
