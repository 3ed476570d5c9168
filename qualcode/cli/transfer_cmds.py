"""``qualcode backup`` and ``qualcode copy``: whole projects, verified row for row.

Each command calls one function of :mod:`qualcode.services.transfer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.options import JsonOption
from qualcode.cli.output import console, print_json

if TYPE_CHECKING:
    from qualcode.services.transfer import TransferReport

ForceOption = Annotated[bool, typer.Option(
    "--force", help="Replace a target that holds something; it is kept as a .bak first.")]


def _show(report: TransferReport, verb: str, as_json: bool) -> None:
    if as_json:
        print_json({"source": report.source, "target": report.target, "rows": report.rows,
                    "verified": report.verified, "kept": report.kept})
        return
    console.print(f"{verb} {report.source} to {report.target}: {report.total} rows in {len(report.rows)} "
                  "tables, verified (row counts and SHA-256 of every table).", markup=False, soft_wrap=True)
    if report.kept:
        console.print(f"What the target held before is kept at {report.kept}.", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup(
        project: Annotated[str, typer.Argument(help="Project file or database URL to back up.")],
        dest: Annotated[str, typer.Argument(help="The .qualcode file to write.")],
        force: ForceOption = False,
        as_json: JsonOption = False,
    ) -> None:
        """Back a project up to a .qualcode file while it is in use, and check the copy."""
        from qualcode.services.transfer import backup_project

        _show(backup_project(project, dest, force=force), "Backed up", as_json)

    @app.command("copy")
    def copy(
        source: Annotated[str, typer.Argument(help="Project file or database URL to copy.")],
        target: Annotated[str, typer.Argument(help="Project file or (empty) database URL to copy it to.")],
        force: ForceOption = False,
        as_json: JsonOption = False,
    ) -> None:
        """Copy a project between SQLite and PostgreSQL, ids kept, checked table by table."""
        from qualcode.services.transfer import copy_project

        _show(copy_project(source, target, force=force), "Copied", as_json)
