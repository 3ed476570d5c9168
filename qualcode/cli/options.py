"""Options and argument parsing shared by commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from qualcode.cli.output import progress_bar
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services.scopes import Scope
    from qualcode.storage.store import Store

T = TypeVar("T")

DbOption = Annotated[str | None, typer.Option(
    "--db", help="Project file (.qualcode) or database URL; default $QUALCODE_DB or the one *.qualcode here.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what matters: no progress, no tables.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
PseudonymiseOption = Annotated[bool | None, typer.Option(
    "--pseudonymise/--no-pseudonymise", help="Replace names by the project's pseudonyms in the output "
    "(default: the project's pseudonymise_exports setting).")]
CoderOption = Annotated[str | None, typer.Option(
    "--coder", help="Who is coding; default $QUALCODE_CODER.", envvar="QUALCODE_CODER")]
CodebookOption = Annotated[str | None, typer.Option(
    "--codebook", "-c", help="Codebook (slug), e.g. loose-coupling; see 'qualcode codebook list'.")]
# Earlier releases took the codebook of compare/cooccur as their first argument: such a
# command accepts extra arguments (LEGACY_CODEBOOK) and passes ctx.args to chosen_codebook.
LEGACY_CODEBOOK = {"allow_extra_args": True}
AttrOption = Annotated[list[str] | None, typer.Option(
    "--attr", help="Attribute filter or value KEY=VALUE (repeatable; repeat a key for OR).")]

SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="Only the documents (or passages) of this saved set (repeatable: any of them); "
    "see 'qualcode set list'.")]
DocOption = Annotated[list[str] | None, typer.Option("--doc", help="Only these documents (repeatable).")]
CodeOption = Annotated[list[str] | None, typer.Option("--code", help="Only these codes (repeatable).")]
CodersOption = Annotated[list[str] | None, typer.Option("--coder", help="Only these coders' codings (repeatable).")]
ReplaceFileOption = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]
FormatOption = Annotated[str | None, typer.Option("--format", help="Format, when the file name does not say it.")]
# The coders a matrix counts (compare, cooccur, export matrix and figures): see services/coder_scope.py.
MatrixCodersOption = Annotated[list[str] | None, typer.Option(
    "--coder", help="These coders' codings (repeatable); 'all' pools every coder. Default: the consensus "
    "coder if it covers as many documents as anyone, else the coder who coded the most documents.")]


@contextmanager
def _reindex_progress() -> Iterator[Callable[[int, int, str], None]]:
    """Progress of a re-index of the search index: a bar shows only if one runs."""
    with ExitStack() as stack:
        update = None

        def progress(done: int, total: int, label: str) -> None:
            nonlocal update
            if update is None:
                update = stack.enter_context(progress_bar("Re-indexing for search (new lemmatizer)", quiet=False))
            update(done, total, label)

        yield progress


def store_for(db: str | None) -> Store:
    """The project, its search index rebuilt first where an older lemmatizer made it:
    a progress bar shows only then."""
    from qualcode.services.project import open_project, resolve_target

    with _reindex_progress() as progress:
        return open_project(resolve_target(db), progress=progress)


def reading(db: str | None, read: Callable[[Store], T]) -> T:
    """``read(store)`` over the project named by --db (or found), for a command that only
    reads: a current SQLite project is read without the full store where it can be."""
    from qualcode.services.project import read_project, resolve_target

    target = resolve_target(db)
    with _reindex_progress() as progress:
        return read_project(target, read, progress=progress)


@contextmanager
def project(db: str | None) -> Iterator[Store]:
    """The project named by --db (or found), closed when the command is done."""
    store = store_for(db)
    try:
        yield store
    finally:
        store.close()


def coder_name(store: Store, coder: str | None) -> str:
    """--coder, else $QUALCODE_CODER, else the coder this user last worked as in this project."""
    from qualcode.services.project import remembered_coder

    name = coder or os.environ.get("QUALCODE_CODER") or remembered_coder(store)
    if not name:
        raise QualcodeError("No coder given.", "Pass --coder NAME or set QUALCODE_CODER.")
    return name


def parse_pairs(pairs: list[str] | None, *, what: str = "--attr", form: str = "KEY=VALUE",
                example: str = "level=school") -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"{what} '{pair}' is not {form}.", f"Write e.g. {what} {example}.")
        result[key.strip()] = value.strip()
    return result


def parse_filters(pairs: list[str] | None, option: str = "--attr") -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"{option} '{pair}' is not KEY=VALUE.", f"Write e.g. {option} level=school.")
        result.setdefault(key.strip(), []).append(value.strip())
    return result


def chosen_codebook(option: str | None, extra: list[str] | None = None) -> str:
    """The codebook named by --codebook/-c (or the old positional form); one is required."""
    if extra and len(extra) > 1:
        raise QualcodeError(f"Unexpected arguments: {' '.join(extra[1:])}.", "Name the codebook with --codebook SLUG.")
    positional = extra[0] if extra else None
    if option and positional and option != positional:
        raise QualcodeError(f"Two codebooks given: '{positional}' and --codebook '{option}'.",
                            "Name one, with --codebook SLUG.")
    chosen = option or positional
    if not chosen:
        raise QualcodeError("No codebook given.", "Name it with --codebook SLUG (see 'qualcode codebook list').")
    return chosen


def in_sets(store: Store, sets: list[str] | None, documents: list[str] | None, *, passages: bool = False,
            command: str = "this command") -> Scope:
    """--doc narrowed by --set, for every command that filters documents: the documents'
    names to pass on as --doc would be, and (where ``passages``) the passage sets whose
    passages results must overlap."""
    from qualcode.services.scopes import scope

    return scope(store, sets, documents, passages=passages, command=command)
