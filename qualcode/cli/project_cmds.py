"""``qualcode init`` and ``qualcode demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import CoderOption, JsonOption, QuietOption
from qualcode.cli.output import console, print_json, progress_bar
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services import corpus, demo
else:
    corpus = lazy_module("qualcode.services.corpus")
    demo = lazy_module("qualcode.services.demo")
from qualcode.services.project import create_project, open_project, resolve_target


def open_workbench(db: str | None, coder: str | None) -> None:
    """Start the Textual workbench (imported here: other commands never load Textual)."""
    target = resolve_target(db)
    from qualcode.tui.app import run

    run(target, coder)


def register(app: typer.Typer) -> None:
    @app.command("open")
    def open_command(
        project: Annotated[str | None, typer.Argument(help="Project file or database URL (default: as --db).")] = None,
        coder: CoderOption = None,
    ) -> None:
        """Open the workbench: read, code, memo, search and retrieve in the terminal."""
        open_workbench(project, coder)

    @app.command()
    def init(
        path: Annotated[str, typer.Argument(help="Project file to create, or a database URL.")] = "project.qualcode",
        name: Annotated[str | None, typer.Option(help="Project name (default: the file name).")] = None,
    ) -> None:
        """Create an empty project (a SQLite file, or a PostgreSQL database by URL)."""
        store = create_project(path, name=name)
        console.print(f"Created project [bold]{store.project_name()}[/] at {store.location.display()}")
        store.close()

    @app.command("demo")
    def demo_command(
        no_open: Annotated[bool, typer.Option("--no-open", help="Build it, print a summary, do not open the workbench.")] = False,
        rebuild: Annotated[bool, typer.Option("--rebuild", help="Replace an existing sbs-demo.qualcode (or english-demo.qualcode).")] = False,
        force: Annotated[bool, typer.Option(
            "--force", help="With --rebuild: replace it even if it holds work (a .bak copy is kept).")] = False,
        bare: Annotated[bool, typer.Option("--bare", help="Skip embedding the sentences and fitting the demo's topic run.")] = False,
        report_to: Annotated[Path | None, typer.Option(
            "--report", help="Write what the demo shows (comparison, agreement, topics) as Markdown to this "
                             "file; a file with the report markers gets its section replaced.")] = None,
        english: Annotated[bool, typer.Option(
            "--english", help="Build english-demo.qualcode from the three English interviews instead.")] = False,
        quiet: QuietOption = False,
        as_json: JsonOption = False,
    ) -> None:
        """Build sbs-demo.qualcode here from the shipped corpus, codebooks and example codings."""
        corpus_name = "english-demo" if english else "sbs-demo"
        if english and report_to is not None:
            raise QualcodeError("--report describes the Swedish demo (its rounds and comparison by level).",
                                "Leave out --english to write the report.")
        if report_to is not None:
            from qualcode.services import demo_report

            demo_report.check_report_target(report_to)
        target = Path.cwd() / demo.DEMO_CORPORA[corpus_name]
        if target.exists() and rebuild:
            work = demo.work_beyond_build(target)
            if work and not force:
                raise QualcodeError(f"{target.name} holds work the demo build did not write: {work}.",
                                    "Nothing was changed. Pass --rebuild --force to replace it; "
                                    "a copy is kept as a .bak file beside it.")
            if work:
                kept = demo.set_aside(target)
                if not quiet:
                    console.print(f"Kept the old project as {kept.name}.", markup=False)
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(target) + suffix).unlink(missing_ok=True)
        if target.exists():
            from qualcode.errors import StoreError

            try:
                store = open_project(target)
            except StoreError as exc:  # the hint of 'open' would send a demo user to 'qualcode init'
                raise StoreError(exc.message, f"Build the demo anew with 'qualcode demo --rebuild --force' "
                                 f"(the old {target.name} is kept as a .bak file).") from exc
            if not quiet:
                console.print(f"Using the existing {target.name} (pass --rebuild to build it anew).")
        else:
            with progress_bar("Importing transcripts", quiet=quiet) as progress:
                store, report = demo.build_demo(target, progress=progress, ready=not bare,
                                                corpus_name=corpus_name)
            if not quiet and not as_json:
                console.print(f"Built {target.name}: {len(report.import_report.imported)} transcripts, "
                              f"{report.import_report.words:,} words, codebooks {', '.join(report.codebooks)}, "
                              f"{report.codings} example codings, {report.memos} memos.")
                if report.rounds:
                    console.print(f"Double-coding rounds {', '.join(report.rounds)} drawn and coded "
                                  f"(see 'qualcode agreement rounds'); {report.decisions} disagreements "
                                  "adjudicated.")
                if report.topic_run is not None:
                    console.print(f"Embedded {report.embedded:,} texts with {demo.DEMO_EMBEDDER} and stored "
                                  f"topic run {report.topic_run} ({report.topics} topics).")
        if report_to is not None:
            from qualcode.services import demo_report

            try:
                said = demo_report.write_report(demo_report.demo_report(store), report_to)
            except BaseException:
                store.close()
                raise
            if not quiet:
                console.print(said)
        totals = corpus.corpus_totals(store)
        if as_json:
            print_json({"project": str(target), **totals})
        elif not quiet:
            from qualcode.cli.corpus_cmds import print_documents
            print_documents(corpus.list_documents(store))
        store.close()
        if not no_open:
            open_workbench(str(target), None)
