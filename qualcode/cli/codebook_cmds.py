"""``qualcode codebook load|list|show|export|import-qdc|export-qdc``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    CoderOption,
    DbOption,
    JsonOption,
    PseudonymiseOption,
    parse_pairs,
    project,
)
from qualcode.cli.output import console, print_json

if TYPE_CHECKING:
    from qualcode.services import codebook as codebooks
else:
    codebooks = lazy_module("qualcode.services.codebook")

app = typer.Typer(help="Load, inspect and exchange codebooks.", no_args_is_help=True)

ForceOption = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]


def _print_report(report: codebooks.LoadReport) -> None:
    book = report.codebook
    verb = "Loaded" if report.created else "Updated"
    console.print(f"{verb} codebook [bold]{book.slug}[/] ({book.name}, version {book.version}): "
                  f"{len(report.added)} added, {len(report.updated)} changed, {len(report.removed)} removed.")
    for key, n in report.moved.items():
        console.print(f"  {n} codings moved from {key}")


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="Codebook YAML file.")],
    map_: Annotated[list[str] | None, typer.Option("--map", help="OLD=NEW: move codings of a removed code.")] = None,
    drop: Annotated[list[str] | None, typer.Option("--drop", help="Delete a removed code and its codings.")] = None,
    db: DbOption = None,
    coder: CoderOption = None,
) -> None:
    """Load a codebook, or a new version of one already loaded."""
    with project(db) as store:
        remap = parse_pairs(map_, what="--map", form="OLD=NEW", example="lc.old=lc.new")
        report = codebooks.load_file(store, path, remap=remap, drop=set(drop or []), coder=coder)
    _print_report(report)


@app.command("list")
def list_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the project's codebooks."""
    from rich.table import Table

    with project(db) as store:
        books = codebooks.list_codebooks(store)
    if as_json:
        print_json([{"codebook": b, "codes": n, "codings": c} for b, n, c in books])
        return
    table = Table(title="Codebooks", title_justify="left")
    for column in ("Codebook", "Name", "Version", "Languages", "Codes", "Codings"):
        table.add_column(column)
    for book, n, c in books:
        table.add_row(book.slug, book.name, book.version, ", ".join(book.languages), str(n), str(c))
    console.print(table)


@app.command()
def show(
    slug: Annotated[str | None, typer.Argument(help="Codebook id (optional when there is one).")] = None,
    definitions: Annotated[bool, typer.Option("--definitions", "-d", help="Show definitions too.")] = False,
    coder: Annotated[str | None, typer.Option(help="Count only this coder's codings.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a codebook's code tree with coding counts and shortcut keys."""
    from rich.table import Table
    from rich.text import Text

    with project(db) as store:
        book, nodes = codebooks.code_tree(store, slug, coder)
    if as_json:
        print_json({"codebook": book, "codes": [{"depth": n.depth, "count": n.count, **n.code.__dict__} for n in nodes]})
        return
    table = Table(title=f"{book.name} ({book.slug}, version {book.version})", title_justify="left")
    for column in ("Code", "Key", "Shortcut", "Codings"):
        table.add_column(column, justify="right" if column == "Codings" else "left")
    if definitions:
        table.add_column("Definition", ratio=1)
    for node in nodes:
        swatch = Text("■ ", style=node.code.colour or "white")
        row = [swatch + Text("  " * node.depth + node.code.label_en), node.code.key,
               node.code.shortcut or "", str(node.count)]
        if definitions:
            row.append(node.code.definition)
        table.add_row(*row)
    console.print(table)


@app.command()
def export(
    output: Annotated[Path, typer.Argument(help="Output file: .md, .docx or .qdc.")],
    slug: Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook id.")] = None,
    language: Annotated[str, typer.Option(help="Label language: en or sv.")] = "en",
    pseudonymise: PseudonymiseOption = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Export a codebook as an article table (Markdown, DOCX) or REFI-QDA .qdc."""
    with project(db) as store:
        from qualcode.services.codebook_exchange import export_codebook

        written = export_codebook(store, slug, output, language=language, overwrite=force,
                                  pseudonymise=pseudonymise)
    console.print(f"Wrote {written}")


@app.command("export-qdc")
def export_qdc(
    output: Annotated[Path, typer.Argument(help="Output .qdc file.")],
    slug: Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook id.")] = None,
    pseudonymise: PseudonymiseOption = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Export a codebook in the REFI-QDA codebook exchange format (.qdc)."""
    if output.name and output.suffix.lower() != ".qdc":  # no name ('', '.', 'x/..'): the service names the folder
        output = output.with_suffix(".qdc")
    with project(db) as store:
        from qualcode.services.codebook_exchange import export_codebook

        written = export_codebook(store, slug, output, overwrite=force, pseudonymise=pseudonymise)
    console.print(f"Wrote {written}")


@app.command("import-qdc")
def import_qdc_command(
    path: Annotated[Path, typer.Argument(help="A .qdc (or .qdpx/.qde) file from NVivo, ATLAS.ti, MAXQDA, QualCoder...")],
    slug: Annotated[str | None, typer.Option("--as", help="Codebook id to give it (default: from the file name).")] = None,
    db: DbOption = None,
) -> None:
    """Import a REFI-QDA codebook (.qdc), or the codebook of a REFI-QDA project (.qdpx/.qde)."""
    with project(db) as store:
        from qualcode.services.codebook_exchange import import_qdc

        report = import_qdc(store, path, slug=slug)
    _print_report(report)
