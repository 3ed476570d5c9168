"""``qualcode coders``: every coder of the project with what they have coded.

The first answer to "where did my codings go": the workbench shows one coder's codings
or everyone's, and this lists every name codings are kept under.
"""

from __future__ import annotations

import typer

from qualcode.cli.options import DbOption, JsonOption, QuietOption, project
from qualcode.cli.output import console, print_json


def coders(db: DbOption = None, quiet: QuietOption = False, as_json: JsonOption = False) -> None:
    """Every coder of the project, with their codings and the documents they coded."""
    from rich.table import Table

    from qualcode.services.workbench import coders_with_counts

    with project(db) as store:
        found = coders_with_counts(store)
    if as_json:
        print_json([{"coder": c.name, "codings": c.codings, "documents": c.documents} for c in found])
        return
    if quiet:
        for c in found:
            console.print(c.name, markup=False)
        return
    if not found:
        console.print("No coders yet: the first coding or memo names one (--coder NAME).")
        return
    table = Table(title="Coders")
    table.add_column("coder")
    table.add_column("codings", justify="right")
    table.add_column("documents", justify="right")
    for c in found:
        table.add_row(c.name, str(c.codings), str(c.documents))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(coders)
