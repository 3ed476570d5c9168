"""``qualcode pseudonyms add|list|remove|import|export|default|candidates|reject|check``: the
project's pseudonym table, built by hand or from candidates, and the check before export.

Thin commands over :mod:`qualcode.services.pseudonyms`; each change is one transaction
and logged as an event under the coder given (or remembered), if any.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    CodeOption,
    CoderOption,
    CodersOption,
    DbOption,
    DocOption,
    JsonOption,
    QuietOption,
    project,
)
from qualcode.cli.output import console, print_json

if TYPE_CHECKING:
    from qualcode.services import pseudonyms as service
    from qualcode.storage.store import Store
else:
    service = lazy_module("qualcode.services.pseudonyms")

app = typer.Typer(no_args_is_help=True, help="The project's pseudonym table: names and what replaces them on "
                  "output; candidates from the corpus, and a check before export.")

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


LangOption = Annotated[str | None, typer.Option("--lang", help="Language whose lexicon tells known words "
                                                              "(sv or en; default: the corpus's).")]


def _candidate_dict(c) -> dict:  # type: ignore[no-untyped-def]
    return {"text": c.text, "kind": c.kind, "category": c.category, "count": c.count, "forms": sorted(c.forms),
            "document": c.document, "context": c.context}


@app.command()
def candidates(lang: LangOption = None,
               accept: Annotated[bool, typer.Option("--accept", help="Go through the candidates one by one: "
                                                    "accept (Enter, or type a replacement), edit the name, "
                                                    "reject (remembered), skip or quit.")] = False,
               limit: Annotated[int | None, typer.Option("--limit", help="Only the first N candidates.",
                                                         min=1)] = None,
               db: DbOption = None, coder: CoderOption = None, as_json: JsonOption = False) -> None:
    """Names the table should cover, proposed from the corpus, each with its count and context."""
    from qualcode.services import pseudonym_candidates as finder

    with project(db) as store:
        found = finder.candidates(store, language=lang)[:limit]
        if as_json and not accept:
            print_json([_candidate_dict(c) for c in found])
            return
        if not found:
            console.print("No candidates left: the table covers every name found, or they were rejected.")
            return
        if not accept:
            for c in found:
                console.print(f"{c.count:>5}  {c.text}  [{c.kind}]  {c.document}: {c.context}", markup=False,
                              soft_wrap=True)
            console.print(f"{len(found)} candidates. Accept or reject them with "
                          "'qualcode pseudonyms candidates --accept'.", markup=False)
            return
        _review(store, found, finder, _coder(store, coder))


def _review(store: Store, found: list, finder, coder: str | None) -> None:  # type: ignore[no-untyped-def]
    done = {"accepted": 0, "rejected": 0, "skipped": 0}
    for number, c in enumerate(found, start=1):
        suggested = finder.suggested_replacement(c, service.entries(store))
        console.print(f"\n[{number}/{len(found)}] {c.text}  ({c.kind}, {c.count}x; forms: "
                      f"{', '.join(sorted(c.forms)) or '-'})", markup=False)
        console.print(f"  {c.document}: {c.context}", markup=False, soft_wrap=True)
        answer = typer.prompt(f"  Enter: accept as '{suggested}'; a replacement; e: edit; r: reject; s: skip; "
                              "q: quit", default="", show_default=False).strip()
        if answer.lower() == "q":
            break
        if answer.lower() == "s":
            done["skipped"] += 1
            continue
        if answer.lower() == "r":
            finder.reject(store, [c.text], coder=coder)
            done["rejected"] += 1
            continue
        if answer.lower() == "e":
            c.text = typer.prompt("  Name as the text writes it", default=c.text).strip() or c.text
            answer = typer.prompt("  Replacement", default=suggested).strip()
        try:
            entry = finder.accept(store, c, answer or None, coder=coder)
        except service.PseudonymError as exc:
            console.print(f"  Not added: {exc.message}", markup=False)
            continue
        done["accepted"] += 1
        console.print(f"  Added: {entry.original} -> {entry.replacement}", markup=False)
    console.print(f"\n{done['accepted']} accepted, {done['rejected']} rejected, {done['skipped']} skipped.")


@app.command()
def reject(names: Annotated[list[str], typer.Argument(help="Candidates that are not names to hide.")],
           db: DbOption = None, coder: CoderOption = None, quiet: QuietOption = False) -> None:
    """Remember candidates as not names, so 'candidates' does not propose them again."""
    from qualcode.services import pseudonym_candidates as finder

    with project(db) as store:
        new = finder.reject(store, names, coder=_coder(store, coder))
    if not quiet:
        console.print(f"Rejected {len(new)} candidate{'' if len(new) == 1 else 's'}.")


@app.command()
def check(codebook: Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook slug, as for "
                                                       "'export quotes'.")] = None,
          code: CodeOption = None,
          coder: CodersOption = None,
          attr: AttrOption = None,
          document: DocOption = None,
          corpus: Annotated[bool, typer.Option("--corpus", help="Check every document whole, as a .qdpx "
                                               "export carries them, instead of the quotes.")] = False,
          lang: LangOption = None, db: DbOption = None, as_json: JsonOption = False,
          quiet: QuietOption = False) -> None:
    """What a pseudonymised export would still carry: table names left, new candidates (exit 1 if any)."""
    from qualcode.cli.options import parse_filters
    from qualcode.services import pseudonym_candidates as finder

    with project(db) as store:
        left = finder.check(store, codebook=codebook, codes=code, coders=coder, attributes=parse_filters(attr),
                            documents=document, corpus=corpus, language=lang)
    if as_json:
        print_json([{"text": x.text, "kind": x.kind, "count": x.count, "where": x.where, "context": x.context}
                    for x in left])
    elif not left:
        if not quiet:
            console.print("Nothing left: no table name and no new candidate in what would be exported.")
    else:
        for x in left:
            console.print(f"{x.count:>5}  {x.text}  [{x.kind}]  {x.where}: {x.context}", markup=False,
                          soft_wrap=True)
        if not quiet:
            console.print(f"{len(left)} left. Add them with 'qualcode pseudonyms add' or 'candidates --accept', "
                          "or reject those that are no names with 'qualcode pseudonyms reject'.", markup=False)
    if left:
        raise typer.Exit(1)
