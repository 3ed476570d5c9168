"""``qualcode set create|list|show|add|remove|delete|export``: sets of documents or passages.

Thin commands over :mod:`qualcode.services.sets`. A set is used with ``--set NAME`` on
retrieve, search, kwic, words, keyness, compare, cooccur and agreement.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    CoderOption,
    DbOption,
    JsonOption,
    QuietOption,
    ReplaceFileOption,
    coder_name,
    parse_filters,
    project,
)
from qualcode.cli.output import console, escape, print_json
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services import sets
else:
    sets = lazy_module("qualcode.services.sets")

app = typer.Typer(no_args_is_help=True, help="Sets of documents or passages: create, list, show, add, remove, "
                  "delete, export; use one anywhere with --set NAME.")

NameArgument = Annotated[str, typer.Argument(help="The set's name (see 'qualcode set list').")]
DocsOption = Annotated[list[str] | None, typer.Option("--doc", help="A document by name or id (repeatable).")]
PassageOption = Annotated[list[str] | None, typer.Option(
    "--passage", help="A passage DOC:START-END, offsets in characters of the text (repeatable).")]
FromQueryOption = Annotated[str | None, typer.Option(
    "--from-query", help="The passages a saved retrieve, search, kwic or compare --cell query finds now.")]


def _query_rows(store: Any, name: str, db: str | None) -> list[dict]:
    from qualcode.cli.saving import ALL_ROWS, saved_result
    from qualcode.services import queries

    query = queries.get(store, name)
    if query.kind not in ALL_ROWS:
        raise QualcodeError(f"Saved query '{query.name}' is a {query.kind} query: it finds words, not passages.",
                            "Make a set from a saved retrieve, search, kwic or compare --cell query.")
    extra = [*ALL_ROWS[query.kind], *(["--no-pseudonymise"] if query.kind in ("retrieve", "search") else [])]
    result = saved_result(query, [*(["--db", db] if db else []), *extra])
    rows = result.get(queries.ROWS[query.kind] if query.kind != "compare" else "passages")
    if not isinstance(rows, list):
        raise QualcodeError(f"Saved query '{query.name}' lists no passages.",
                            "A compare query gives passages with --cell CODE=COLUMN.")
    return rows


def _print_set(named: Any, as_json: bool, quiet: bool, what: str) -> None:
    if as_json:
        print_json({"name": named.name, "kind": named.kind, "description": named.description, "size": named.size,
                    "documents": list(named.document_ids),
                    "passages": [[p.document_id, p.start, p.end] for p in named.passages]})
    elif not quiet:
        console.print(f"{what} set '{escape(named.name)}': {named.size} {named.kind}"
                      + (f" in {len(named.document_ids)} documents." if named.kind == "passages" else "."))


@app.command("create")
def create(name: NameArgument, document: DocsOption = None, attr: AttrOption = None,
           from_query: FromQueryOption = None,
           kind: Annotated[str | None, typer.Option(
               "--kind", help="documents or passages; default: passages with --from-query, else documents.")] = None,
           description: Annotated[str, typer.Option("--description", help="What the set is for.")] = "",
           coder: CoderOption = None, db: DbOption = None, quiet: QuietOption = False,
           as_json: JsonOption = False) -> None:
    """Make a set from documents (--doc, --attr), or from the passages a saved query finds."""
    with project(db) as store:
        passages = []
        documents = list(document or [])
        chosen = kind or ("passages" if from_query else "documents")
        if from_query:
            passages = sets.passages_from_rows(store, _query_rows(store, from_query, db))
            if chosen == "documents":
                documents += [str(d) for d in sorted({p.document_id for p in passages})]
                passages = []
        named = sets.create(store, name, chosen, documents=documents, attributes=parse_filters(attr),
                            passages=passages, description=description, coder=coder_name(store, coder))
    _print_set(named, as_json, quiet, "Made")


@app.command("list")
def list_sets(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every set with its kind, size and description."""
    with project(db) as store:
        found = sets.list_sets(store)
    if as_json:
        print_json([{"name": s.name, "kind": s.kind, "size": s.size, "documents": len(s.document_ids),
                     "description": s.description} for s in found])
        return
    if not found:
        console.print("No sets yet: make one with 'qualcode set create NAME --doc ...' or '--attr level=school'.")
    for s in found:
        console.print(f"[bold]{escape(s.name)}[/]  {s.size} {s.kind}"
                      + (f" in {len(s.document_ids)} documents" if s.kind == "passages" else "")
                      + (f"  {escape(s.description)}" if s.description else ""), soft_wrap=True)


@app.command("show")
def show(name: NameArgument, db: DbOption = None, as_json: JsonOption = False,
         limit: Annotated[int, typer.Option("--limit", help="Show at most this many members.", min=1)] = 50) -> None:
    """A set's members: its documents, or its passages with their text."""
    with project(db) as store:
        named, rows = sets.members(store, name)
    if as_json:
        print_json({"name": named.name, "kind": named.kind, "description": named.description,
                    "members": [vars(m) for m in rows]})
        return
    console.print(f"[bold]{escape(named.name)}[/]: {named.size} {named.kind}"
                  + (f" ({escape(named.description)})" if named.description else ""))
    for m in rows[:limit]:
        if named.kind == "documents":
            console.print(f"  {escape(m.document)}", soft_wrap=True)
        else:
            console.print(f"  [cyan]{escape(m.document)}[/] {m.start}-{m.end}: {escape(m.text)}", soft_wrap=True)
    if len(rows) > limit:
        console.print(f"  ... {len(rows) - limit} more (--limit {len(rows)} shows all).")


def _passages(store: Any, given: list[str] | None) -> list:
    return [sets.parse_passage(store, p) for p in given or []]


@app.command("add")
def add(name: NameArgument, document: DocsOption = None, attr: AttrOption = None, passage: PassageOption = None,
        from_query: FromQueryOption = None, coder: CoderOption = None, db: DbOption = None,
        quiet: QuietOption = False, as_json: JsonOption = False) -> None:
    """Add documents (--doc, --attr) or passages (--passage, --from-query) to a set."""
    if not (document or attr or passage or from_query):
        raise QualcodeError("Nothing to add.", "Give --doc, --attr, --passage or --from-query.")
    with project(db) as store:
        passages = _passages(store, passage)
        if from_query:
            passages += sets.passages_from_rows(store, _query_rows(store, from_query, db))
        named, added, _ = sets.change(store, name, add_documents=list(document or []),
                                      add_attributes=parse_filters(attr), add_passages=passages,
                                      coder=coder_name(store, coder))
    if not quiet and not as_json:
        console.print(f"Added {added} to set '{escape(named.name)}' ({named.size} {named.kind} now).")
    _print_set(named, as_json, True, "")


@app.command("remove")
def remove(name: NameArgument, document: DocsOption = None, passage: PassageOption = None,
           coder: CoderOption = None, db: DbOption = None, quiet: QuietOption = False,
           as_json: JsonOption = False) -> None:
    """Take documents or passages out of a set (never out of the project)."""
    if not (document or passage):
        raise QualcodeError("Nothing to remove.", "Give --doc or --passage.")
    with project(db) as store:
        named, _, removed = sets.change(store, name, remove_documents=list(document or []),
                                        remove_passages=_passages(store, passage), coder=coder_name(store, coder))
    if not quiet and not as_json:
        console.print(f"Removed {removed} from set '{escape(named.name)}' ({named.size} {named.kind} now).")
    _print_set(named, as_json, True, "")


@app.command("delete")
def delete(name: NameArgument,
           force: Annotated[bool, typer.Option("--force", help="Delete it (undo brings it back).")] = False,
           coder: CoderOption = None, db: DbOption = None, quiet: QuietOption = False) -> None:
    """Delete a set, never its documents (needs --force; 'qualcode code undo' brings it back)."""
    with project(db) as store:
        named = sets.get(store, name)
        if not force:
            raise QualcodeError(f"Deleting set '{named.name}' ({named.size} {named.kind}) needs --force.",
                                f"Run: qualcode set delete {shlex.quote(named.name)} --force")
        sets.delete(store, named.name, coder=coder_name(store, coder))
    if not quiet:
        console.print(f"Deleted set '{escape(named.name)}'; its documents stay. 'qualcode code undo' brings it back.")


@app.command("export")
def export(name: NameArgument,
           file: Annotated[Path, typer.Argument(help="Where to write: .csv or .json.")],
           force: ReplaceFileOption = False,
           db: DbOption = None, quiet: QuietOption = False) -> None:
    """Write a set's members to a file (never over one unless --force)."""
    with project(db) as store:
        written = sets.export(store, name, file, overwrite=force)
    if not quiet:
        console.print(f"Wrote {written} member{'' if written == 1 else 's'} of set '{escape(name)}' "
                      f"to {escape(str(file))}.")
