"""``qualcode check PROJECT``: SQLite's, FTS5's and qualcode's own integrity checks."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.options import DbOption, JsonOption
from qualcode.cli.output import console, print_json

# Exit code when a check finds a problem (documented in the README's Reliability section).
PROBLEMS_FOUND = 11


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check(
        project: Annotated[str | None, typer.Argument(help="Project file or database URL (default: as --db).")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Check a project for damage: SQLite pages, the search index, offsets and references."""
        from qualcode.services.integrity import check_project
        from qualcode.services.project import resolve_target

        report = check_project(resolve_target(project or db))
        if as_json:
            print_json({"project": report.project, "ok": report.ok, "checks": list(report.checks),
                        "skipped": list(report.skipped),
                        "problems": [{"check": p.check, "where": p.where, "what": p.what} for p in report.problems]})
        else:
            for problem in report.problems:
                console.print(problem.line(), markup=False, soft_wrap=True)
            for skipped in report.skipped:
                console.print(f"not checked: {skipped}", markup=False, soft_wrap=True)
            verdict = "no problems found" if report.ok else f"{len(report.problems)} problem(s) found"
            console.print(f"{report.project}: {verdict} (checked: {', '.join(report.checks)}).",
                          markup=False, soft_wrap=True)
        if not report.ok:
            raise typer.Exit(PROBLEMS_FOUND)
