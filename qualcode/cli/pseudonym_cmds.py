"""``qualcode pseudonyms add|list|remove|import|export``: the project's pseudonym table.

Thin commands over :mod:`qualcode.services.pseudonyms`; each change is one transaction
and logged as an event under the coder given (or remembered), if any.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qualcode.cli.options import CoderOption, DbOption, JsonOption, QuietOption, project
from qualcode.cli.output import console, print_json
from qualcode.services import pseudonyms as service
from qualcode.storage.store import Store

app = typer.Typer(no_args_is_help=True, help="The project's pseudonym table: add, list, remove, import and "
                  "export names and what replaces them on output.")

ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing file.")]


def _coder(store: Store, coder: str | None) -> str | None:
    from qualcode.services.project import remembered_coder

    return coder or os.environ.get("QUALCODE_CODER") or remembered_coder(store)


@app.command()
def add(original: Annotated[str, typer.Argument(help="The name as the text writes it, e.g. Björkskolan.")],
        replacement: Annotated[str, typer.Argument(help="What replaces it, e.g. 'skola A'.")],
        category: Annotated[str, typer.Option("--category", help="person, school, place, organisation "
                                                                 "or other.")] = "other",
        form: Annotated[list[str] | None, typer.Option("--form", help="Another form of the name in the text "
                                                                      "(repeatable); the genitive -s is "
                                                                      "always included.")] = None,
        db: DbOption = None, coder: CoderOption = None, quiet: QuietOption = False,
        as_json: JsonOption = False) -> None:
    """Add a pseudonym, or change the one for the same original."""
    entry = service.make_entry(original, replacement, category, form or [])
    with project(db) as store:
        outcome = service.add(store, entry, coder=_coder(store, coder))
    if as_json:
        print_json({"outcome": outcome, "entry": entry})
    elif not quiet:
        console.print(f"{outcome.capitalize()}: {escape(entry.original)} -> {escape(entry.replacement)} "
                      f"({entry.category}; forms: {escape(', '.join(entry.all_forms()))}).")


@app.command("list")
def list_entries(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every entry of the table with its forms."""
    with project(db) as store:
        found = service.entries(store)
    if as_json:
        print_json([{"original": e.original, "replacement": e.replacement, "category": e.category,
                     "forms": list(e.all_forms())} for e in found])
        return
    if not found:
        console.print("No pseudonyms yet: add one with 'qualcode pseudonyms add ORIGINAL REPLACEMENT'.")
    for e in found:
        console.print(f"{e.original} -> {e.replacement}  [{e.category}]  forms: {', '.join(e.all_forms())}",
                      markup=False)


@app.command()
def remove(original: Annotated[str, typer.Argument(help="The original name of the entry.")],
           db: DbOption = None, coder: CoderOption = None, quiet: QuietOption = False,
           as_json: JsonOption = False) -> None:
    """Take an entry off the table (the event log keeps it)."""
    with project(db) as store:
        gone = service.remove(store, original, coder=_coder(store, coder))
    if as_json:
        print_json({"removed": gone})
    elif not quiet:
        console.print(f"Removed: {escape(gone.original)} -> {escape(gone.replacement)}.")


@app.command("import")
def import_entries(file: Annotated[Path, typer.Argument(help="A .yaml/.yml or .csv file of entries.")],
                   db: DbOption = None, coder: CoderOption = None, quiet: QuietOption = False,
                   as_json: JsonOption = False) -> None:
    """Add or change the entries of a file: all of them, or none if one is wrong."""
    with project(db) as store:
        counts = service.import_file(store, file, coder=_coder(store, coder))
    if as_json:
        print_json(counts)
    elif not quiet:
        console.print(f"Imported {file.name}: {counts['added']} added, {counts['changed']} changed, "
                      f"{counts['unchanged']} unchanged.", markup=False)


@app.command("export")
def export_entries(file: Annotated[Path, typer.Argument(help="A .yaml/.yml or .csv file to write.")],
                   force: ForceOption = False, db: DbOption = None, quiet: QuietOption = False,
                   as_json: JsonOption = False) -> None:
    """Write the table to a YAML or CSV file (an existing file only with --force)."""
    with project(db) as store:
        count = service.export_file(store, file, overwrite=force)
    if as_json:
        print_json({"file": str(file), "entries": count})
    elif not quiet:
        console.print(f"Wrote {count} pseudonyms to {file}.", markup=False)


@app.command("default")
def default(state: Annotated[str, typer.Argument(help="on: exports, retrieve and search output are "
                                                      "pseudonymised unless --no-pseudonymise; off: only "
                                                      "with --pseudonymise.")],
            db: DbOption = None, coder: CoderOption = None, quiet: QuietOption = False) -> None:
    """Set the project's pseudonymise_exports setting."""
    if state not in ("on", "off"):
        raise service.PseudonymError(f"'{state}' is neither on nor off.", "Write 'qualcode pseudonyms default on'.")
    with project(db) as store:
        service.set_default(store, state == "on", coder=_coder(store, coder))
    if not quiet:
        console.print(f"pseudonymise_exports: {'true' if state == 'on' else 'false'}.")
