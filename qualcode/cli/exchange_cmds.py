"""``qualcode import-project`` and ``qualcode export qdpx``: REFI-QDA project exchange."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    DbOption,
    JsonOption,
    PseudonymiseOption,
    QuietOption,
    ReplaceFileOption,
    project,
)
from qualcode.cli.output import console, print_json, progress_bar
from qualcode.errors import StoreError

if TYPE_CHECKING:
    from qualcode.services import exchange
else:
    exchange = lazy_module("qualcode.services.exchange")
from qualcode.services.project import PROJECT_SUFFIX, open_project


def register(app: typer.Typer) -> None:
    """Add ``import-project`` to the root app."""
    app.command("import-project")(import_project)


def add_export_commands(export_app: typer.Typer) -> None:
    """Add ``qdpx`` to the ``export`` group."""
    export_app.command("qdpx")(export_qdpx)


def export_group() -> typer.Typer:
    """An ``export`` group holding only ``qdpx``, for apps that have no export group yet."""
    group = typer.Typer(help="Export the project, or parts of it, to files.", no_args_is_help=True)
    add_export_commands(group)
    return group


def export_qdpx(
    path: Annotated[Path, typer.Argument(help="The .qdpx file to write.")],
    force: ReplaceFileOption = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Export the whole project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder."""
    with project(db) as store, progress_bar("Exporting", quiet=quiet or as_json) as bar:
        snapshot = exchange.export_qdpx(store, path, overwrite=force, progress=bar, pseudonymise=pseudonymise)
    summary = {"path": str(path), "documents": len(snapshot.documents), "codings": len(snapshot.codings),
               "codebooks": [b.slug for b in snapshot.codebooks], "memos": len(snapshot.memos),
               "coders": list(snapshot.coders)}
    if as_json:
        print_json(summary)
    elif not quiet:
        console.print(f"Wrote {path}: {summary['documents']} documents, {summary['codings']} codings, "
                      f"{len(summary['codebooks'])} codebooks, {summary['memos']} memos, "
                      f"{len(summary['coders'])} coders.")


def import_project(
    path: Annotated[Path, typer.Argument(help="The .qdpx file (from NVivo, ATLAS.ti, MAXQDA, QualCoder or qualcode).")],
    db: Annotated[str | None, typer.Option(
        "--db", help="Project file (.qualcode) or database URL to import into; default: a new "
                     "<name>.qualcode here.")] = None,
    coder: Annotated[str | None, typer.Option(
        "--coder", help="Coder for codings the file attributes to nobody (default: imported).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only read the file and print what would be imported and left out; write nothing.")] = False,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import a REFI-QDA project (.qdpx, or a bare .qde) as a new project, or into one with --db."""
    with progress_bar("Importing", quiet=quiet or as_json or dry_run) as bar:
        if dry_run:
            report = exchange.preview_project_file(path, default_coder=coder)
        elif db:
            store = open_project(db)
            try:
                report = exchange.import_qdpx(store, path, default_coder=coder, progress=bar)
            finally:
                store.close()
        else:
            target = Path.cwd() / f"{path.stem}{PROJECT_SUFFIX}"
            if target.exists():
                raise StoreError(f"{target} already exists.",
                                 f"Import into it with --db {target.name}, or remove it first.")
            store, report = exchange.import_qdpx_as_new(path, target, default_coder=coder, progress=bar)
            store.close()
    if as_json:
        print_json({
            "project": report.project, "created": report.created, "documents": report.documents,
            "reused_documents": report.reused_documents, "codebooks": report.codebooks,
            "codes": report.codes, "codings": report.codings, "memos": report.memos,
            "coders": report.coders, "counting": report.counting, "dry_run": report.dry_run,
            "notices": [{"where": n.where, "what": n.what, "skipped": n.skipped} for n in report.notices]})
        return
    if report.dry_run:
        _print_dry_run(report)
        return
    verb = "Created" if report.created else "Imported into"
    console.print(f"{verb} {report.project}: {len(report.documents)} documents, {report.codings} codings, "
                  f"{report.codes} codes in {len(report.codebooks)} codebook(s), {report.memos} memos, "
                  f"coders: {', '.join(report.coders) or 'none'}.", markup=False)
    if report.notices and not quiet:
        skipped = report.skipped
        console.print(f"Import report: {len(skipped)} item(s) not imported, "
                      f"{len(report.notices) - len(skipped)} note(s).", markup=False)
        for notice in report.notices:
            mark = "not imported" if notice.skipped else "note"
            console.print(f"  - [{mark}] {notice}", markup=False, soft_wrap=True)


def _print_dry_run(report) -> None:  # type: ignore[no-untyped-def]
    """The import report of ``--dry-run``: counts per kind, the counting, what stays out."""
    skipped = report.skipped
    console.print(f"Dry run of {report.project} (nothing was written): {len(report.documents)} documents, "
                  f"{report.codings} codings, {report.codes} codes in {len(report.codebooks)} codebook(s), "
                  f"{report.memos} memos, coders: {', '.join(report.coders) or 'none'}.", markup=False)
    if report.counting:
        console.print(f"Positions: {report.counting}.", markup=False, soft_wrap=True)
    console.print(f"Would not be imported: {len(skipped)} item(s).", markup=False)
    for notice in skipped:
        console.print(f"  - {notice}", markup=False, soft_wrap=True)
    notes = [n for n in report.notices if not n.skipped and not n.where.endswith(": positions")]
    if notes:
        console.print(f"Notes: {len(notes)}.", markup=False)
        for notice in notes:
            console.print(f"  - {notice}", markup=False, soft_wrap=True)
