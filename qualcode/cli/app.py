"""The ``qualcode`` command: one Typer app, errors translated once, here."""

from __future__ import annotations

import sys

import typer

from qualcode import __version__
from qualcode.cli import (
    agreement_cmds,
    codebook_cmds,
    coding_cmds,
    compare_cmds,
    corpus_cmds,
    exchange_cmds,
    export_cmds,
    lexicon_cmds,
    project_cmds,
    retrieval_cmds,
    suggest_cmds,
    topics_cmds,
    words_cmds,
)
from qualcode.cli.output import report_error
from qualcode.errors import QualcodeError

app = typer.Typer(
    name="qualcode",
    help="A terminal workbench for coding qualitative interviews. Without a command: open the workbench.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context,
         version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """A terminal workbench for coding qualitative interviews. Without a command: open the workbench."""
    if ctx.invoked_subcommand is None:
        project_cmds.open_workbench(None, None)


project_cmds.register(app)
corpus_cmds.register(app)
app.add_typer(codebook_cmds.app, name="codebook")
app.add_typer(coding_cmds.code_app, name="code")
app.add_typer(coding_cmds.memo_app, name="memo")
retrieval_cmds.register(app)
suggest_cmds.register(app)
compare_cmds.register(app)
exchange_cmds.register(app)
agreement_cmds.register(app)
exchange_cmds.add_export_commands(export_cmds.export_app)
app.add_typer(export_cmds.export_app, name="export")
app.add_typer(topics_cmds.app, name="topics")
app.add_typer(lexicon_cmds.app, name="lexicon")
words_cmds.register(app)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: QualcodeError becomes a message and an exit code."""
    try:
        result = app(args=argv, standalone_mode=False)
    except QualcodeError as error:
        report_error(error)
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        return 130
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # click usage errors arrive as ClickException subclasses
        import click

        if isinstance(error, click.ClickException):
            error.show()
            return error.exit_code
        raise
    return result if isinstance(result, int) else 0


def entry() -> None:  # pragma: no cover - thin wrapper for the console script
    sys.exit(main())
