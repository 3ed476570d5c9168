"""Options and argument parsing shared by commands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated

import typer

from qualcode.cli.output import progress_bar
from qualcode.errors import QualcodeError
from qualcode.services.project import open_project, remembered_coder, resolve_target
from qualcode.storage.store import Store

DbOption = Annotated[str | None, typer.Option(
    "--db", help="Project file (.qualcode) or database URL; default $QUALCODE_DB or the one *.qualcode here.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what matters: no progress, no tables.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
CoderOption = Annotated[str | None, typer.Option(
    "--coder", help="Who is coding; default $QUALCODE_CODER.", envvar="QUALCODE_CODER")]
AttrOption = Annotated[list[str] | None, typer.Option(
    "--attr", help="Attribute filter or value KEY=VALUE (repeatable; repeat a key for OR).")]


def store_for(db: str | None) -> Store:
    """The project, its search index rebuilt first where an older lemmatizer made it:
    a progress bar shows only then."""
    with ExitStack() as stack:
        update = None

        def progress(done: int, total: int, label: str) -> None:
            nonlocal update
            if update is None:
                update = stack.enter_context(progress_bar("Re-indexing for search (new lemmatizer)", quiet=False))
            update(done, total, label)

        return open_project(resolve_target(db), progress=progress)


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
    name = coder or os.environ.get("QUALCODE_CODER") or remembered_coder(store)
    if not name:
        raise QualcodeError("No coder given.", "Pass --coder NAME or set QUALCODE_CODER.")
    return name


def parse_pairs(pairs: list[str] | None, *, what: str = "--attr") -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"{what} '{pair}' is not KEY=VALUE.", f"Write e.g. {what} level=school.")
        result[key.strip()] = value.strip()
    return result


def parse_filters(pairs: list[str] | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"--attr '{pair}' is not KEY=VALUE.", "Write e.g. --attr level=school.")
        result.setdefault(key.strip(), []).append(value.strip())
    return result
