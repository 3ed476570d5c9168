"""``qualcode query list|show|run|export|remove``: the queries saved with ``--save NAME``.

Thin commands over :mod:`qualcode.services.queries`; a saved query runs through its
own command (:mod:`qualcode.cli.saving`), so its output is that command's.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    CoderOption,
    DbOption,
    JsonOption,
    QuietOption,
    ReplaceFileOption,
    project,
)
from qualcode.cli.output import console, escape, print_json
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.core.sets import SavedQuery
    from qualcode.services import queries
else:
    queries = lazy_module("qualcode.services.queries")

app = typer.Typer(no_args_is_help=True, help="Saved queries: list, show, run, export and remove the retrievals, "
                  "searches, concordances, word lists and matrices saved with --save NAME.")

NameArgument = Annotated[str, typer.Argument(help="The saved query's name (see 'qualcode query list').")]
PASS_ON = {"allow_extra_args": True, "ignore_unknown_options": True}


def _db_args(db: str | None) -> list[str]:
    return ["--db", db] if db else []


def _as_dict(q: SavedQuery) -> dict:
    return {"name": q.name, "kind": q.kind, "args": list(q.args), "command": q.command_line(),
            "created_by": q.created_by, "created_at": q.created_at}


def _author(store, coder: str | None) -> str | None:  # type: ignore[no-untyped-def]
    from qualcode.cli.saving import author

    return coder or author(store)


@app.command("list")
def list_queries(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every saved query with its command line."""
    with project(db) as store:
        found = queries.list_queries(store)
    if as_json:
        print_json([_as_dict(q) for q in found])
        return
    if not found:
        console.print("No saved queries yet: add --save NAME to retrieve, search, kwic, words, keyness or compare.")
        return
    for q in found:
        console.print(f"[bold]{escape(q.name)}[/]  {escape(q.command_line())}", soft_wrap=True)


@app.command("show")
def show(name: NameArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One saved query: its command, who saved it and when."""
    with project(db) as store:
        q = queries.get(store, name)
    if as_json:
        print_json(_as_dict(q))
        return
    console.print(f"[bold]{escape(q.name)}[/] ({q.kind})\n  {escape(q.command_line())}\n"
                  f"  saved {q.created_at:%Y-%m-%d %H:%M}" + (f" by {escape(q.created_by)}" if q.created_by else ""),
                  soft_wrap=True)


@app.command("run", context_settings=PASS_ON)
def run(ctx: typer.Context, name: NameArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Run a saved query again; arguments after the name are added to its own
    (a later option wins, e.g. '--page 2' or '--limit 100')."""
    from qualcode.cli.saving import run_saved

    with project(db) as store:
        q = queries.get(store, name)
    run_saved(q, [*_db_args(db), *(["--json"] if as_json else []), *ctx.args])


@app.command("export", context_settings=PASS_ON)
def export(ctx: typer.Context, name: NameArgument,
           file: Annotated[Path, typer.Argument(help="Where to write: .csv (the rows) or .json (query and result).")],
           force: ReplaceFileOption = False,
           db: DbOption = None, quiet: QuietOption = False) -> None:
    """Run a saved query and write its whole result to a file, every page of a retrieval,
    search or concordance (never over a file unless --force)."""
    from qualcode.cli.saving import ALL_ROWS, saved_result
    from qualcode.services.files import check_target

    with project(db) as store:
        q = queries.get(store, name)
    check_target(file, overwrite=force)  # before the query runs, not after
    result = saved_result(q, [*_db_args(db), *ALL_ROWS.get(q.kind, []), *ctx.args])
    written = queries.export_result(q, result, file, overwrite=force)
    if not quiet:
        console.print(f"Wrote {written} row{'' if written == 1 else 's'} of '{escape(q.name)}' to {escape(str(file))}.")


@app.command("remove")
def remove(name: NameArgument,
           force: Annotated[bool, typer.Option("--force", help="Remove it (undo brings it back).")] = False,
           coder: CoderOption = None, db: DbOption = None, quiet: QuietOption = False) -> None:
    """Forget a saved query (needs --force; 'qualcode code undo' brings it back)."""
    with project(db) as store:
        q = queries.get(store, name)
        if not force:
            raise QualcodeError(f"Removing saved query '{q.name}' ({q.command_line()}) needs --force.",
                                f"Run: qualcode query remove {shlex.quote(q.name)} --force")
        queries.remove(store, q.name, coder=_author(store, coder))
    if not quiet:
        console.print(f"Removed saved query '{escape(q.name)}'; 'qualcode code undo' brings it back.")
