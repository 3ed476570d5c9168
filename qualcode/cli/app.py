"""The ``qualcode`` command: one Typer app, errors translated once, here."""

from __future__ import annotations

import sys

import typer

from qualcode import __version__
from qualcode.cli import (
    agreement_cmds,
    check_cmds,
    codebook_cmds,
    coding_cmds,
    compare_cmds,
    corpus_cmds,
    exchange_cmds,
    export_cmds,
    project_cmds,
    retrieval_cmds,
    suggest_cmds,
    topics_cmds,
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
check_cmds.register(app)
exchange_cmds.add_export_commands(export_cmds.export_app)
app.add_typer(export_cmds.export_app, name="export")
app.add_typer(topics_cmds.app, name="topics")


def main(argv: list[str] | None = None) -> int:
    """Console entry point: every failure a user can cause becomes a message and an exit code.

    QualcodeError is ours; usage errors (unknown command or option, missing or malformed
    argument) are the parser's. Typer 0.29 parses with its own vendored copy of Click,
    whose exceptions derive from ``typer.TyperException`` and not from ``click``'s; an
    older Typer raised ``click.ClickException``. Both are caught by type, nothing wider.
    """
    _replace_unprintable_output()
    try:
        result = app(args=argv, standalone_mode=False)
    except QualcodeError as error:
        report_error(error)
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return 130
    except usage_error_types() as error:
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:  # pragma: no cover - a TyperException without show() of its own
            sys.stderr.write(f"Error: {error.format_message()}\n")
        return int(getattr(error, "exit_code", USAGE_EXIT_CODE))
    except BrokenPipeError:  # output piped into e.g. ``head``, which stopped reading
        _silence_stdout()
        return 141
    return result if isinstance(result, int) else 0


# What a usage error exits with (Click's convention); documented in the README.
USAGE_EXIT_CODE = 2


def usage_error_types() -> tuple[type[Exception], ...]:
    """The parser exception classes the installed Typer and Click raise."""
    found: list[type[Exception]] = []
    vendored = getattr(typer, "TyperException", None)
    if isinstance(vendored, type):
        found.append(vendored)
    click = sys.modules.get("click")  # only ever loaded by a Typer that parses with it
    if click is not None:
        found.append(click.ClickException)
    return tuple(found)


def _replace_unprintable_output() -> None:
    """A name that is not valid UTF-8, or a terminal that cannot show a character, must
    cost a replacement character, never a UnicodeEncodeError at the end of a command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _silence_stdout() -> None:
    import os

    # Python flushes stdout again at exit; point it at /dev/null so that flush is quiet.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def entry() -> None:  # pragma: no cover - thin wrapper for the console script
    sys.exit(main())
