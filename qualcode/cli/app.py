"""The ``qualcode`` command: one Typer app, errors translated once, here.

The root group knows its commands by name (:data:`COMMANDS`) and builds a command only
when it is asked for, so ``qualcode --help`` imports no command module and ``qualcode
docs`` imports only the module that defines ``docs``; what a command itself needs is
imported when it runs (:mod:`qualcode.cli.lazy`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any, NamedTuple

import typer
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup

from qualcode import __version__
from qualcode.cli.parsed_values import check_parsed_values
from qualcode.errors import QualcodeError, file_system_refusal


class Entry(NamedTuple):
    """A root command: the module that defines it, and its one-line help for the listing."""

    module: str
    summary: str


# Listing order is the order of ``qualcode --help``; a test checks each summary against the
# command's own help and that every module's commands are listed here.
COMMANDS: dict[str, Entry] = {
    "open": Entry("project_cmds", "Open the workbench: read, code, memo, search and retrieve in the terminal."),
    "init": Entry("project_cmds", "Create an empty project (a SQLite file, or a PostgreSQL database by URL)."),
    "demo": Entry("project_cmds", "Build sbs-demo.qualcode here from the shipped corpus, codebooks and example codings."),
    "import": Entry("corpus_cmds", "Import transcripts; a folder import goes on past bad files and lists them."),
    "docs": Entry("corpus_cmds", "List documents with their attributes and counts."),
    "show": Entry("corpus_cmds", "Show a transcript turn by turn with each speaker's role."),
    "attr": Entry("corpus_cmds", "Set or remove attributes of a document."),
    "retrieve": Entry("retrieval_cmds", "Every passage coded with CODE, with context and attribution."),
    "search": Entry("retrieval_cmds", "Full-text search over the sentences of every document."),
    "embed": Entry("suggest_cmds", "Embed every segment, code description and coded passage once; naming an "
                                   "embedder makes it the project's."),
    "similar": Entry("suggest_cmds", "The passages of the project most similar in meaning to a passage or a text."),
    "compare": Entry("compare_cmds", "Codes by groups: counts with a chi-square test and adjusted residuals per cell."),
    "cooccur": Entry("compare_cmds", "Code by code: how many coding pairs occur together, and the passages behind a cell."),
    "import-project": Entry("exchange_cmds", "Import a REFI-QDA project (.qdpx, or a bare .qde) as a new project, "
                                             "or into one with --db."),
    "codebook": Entry("codebook_cmds", "Load, inspect and exchange codebooks."),
    "code": Entry("coding_cmds", "Apply and remove codes; rename, merge and split them; undo."),
    "memo": Entry("coding_cmds", "Write memos on the project, documents, codes and codings."),
    "suggest": Entry("suggest_cmds", "Code suggestions from embeddings: show, next, accept, reject, evaluate."),
    "coders": Entry("coders_cmds", "Every coder with their codings, memos, documents, last change and role; "
                                   "rename and merge coders, set roles."),
    "merge": Entry("merge_cmds", "Merge another coder's project into this one: documents matched by text, "
                                 "nothing doubled, one undo."),
    "backup": Entry("transfer_cmds", "Back a project up to a .qualcode file while it is in use, and check the copy."),
    "copy": Entry("transfer_cmds", "Copy a project between SQLite and PostgreSQL, ids kept, checked table by table."),
    "team": Entry("team_cmds", "A PostgreSQL team server: database roles for readers, coders and supervisors."),
    "check": Entry("check_cmds", "Check a project for damage: SQLite pages, the search index, offsets and references."),
    "agreement": Entry("agreement_cmds", "Inter-coder agreement: statistics, double-coding samples, disagreements "
                                         "and adjudication. Without a command: print the agreement table."),
    "export": Entry("export_cmds", "Write coded passages, matrices, figures and a methods summary to files."),
    "topics": Entry("topics_cmds", "Topic models of the corpus (BERTopic): fit, browse, compare with speakers "
                                   "and with the codebook, export."),
    "words": Entry("words_cmds", "Word frequencies: counts, per 10,000 words, documents and speakers using each "
                                 "word; stop words and fillers left out, interviewer turns too unless asked."),
    "kwic": Entry("words_cmds", "Keywords in context: each occurrence with its left and right context and its "
                                "attribution."),
    "keyness": Entry("words_cmds", "Keyness: words group A uses more (or less) than group B, by log-likelihood G², "
                                   "its p-value corrected for the number of words tested, and log ratio."),
    "collocations": Entry("words_cmds", "Collocations: words near a node word, with mutual information, "
                                        "log-likelihood G² and its p-value."),
    "lexicon": Entry("lexicon_cmds", "Stop words, fillers and lemmas of the project: list, change, look words up, "
                                     "rebuild the search index."),
    "pseudonyms": Entry("pseudonym_cmds", "The project's pseudonym table: names and what replaces them on output; "
                                          "candidates from the corpus, and a check before export."),
    "query": Entry("query_cmds", "Saved queries: list, show, run, export and remove the retrievals, searches, "
                                 "concordances, word lists and matrices saved with --save NAME."),
    "set": Entry("set_cmds", "Sets of documents or passages: create, list, show, add, remove, delete, export; "
                             "use one anywhere with --set NAME."),
}


def _module(name: str) -> Any:
    # The import statement's own machinery (not importlib.import_module) so that
    # ``python -X importtime`` reports the module like any other.
    return __import__(f"qualcode.cli.{name}", fromlist=["__name__"])


def _register(name: str) -> Callable[[typer.Typer], None]:
    return lambda app: _module(name).register(app)


def _group(name: str, attribute: str, command: str) -> Callable[[typer.Typer], None]:
    return lambda app: app.add_typer(getattr(_module(name), attribute), name=command)


def _coding(app: typer.Typer) -> None:
    _group("coding_cmds", "code_app", "code")(app)
    _group("coding_cmds", "memo_app", "memo")(app)


def _export(app: typer.Typer) -> None:
    _module("exchange_cmds").add_export_commands(_module("export_cmds").export_app)
    _group("export_cmds", "export_app", "export")(app)


# How each module puts its commands on an app.
INSTALLERS: dict[str, Callable[[typer.Typer], None]] = {
    "project_cmds": _register("project_cmds"),
    "corpus_cmds": _register("corpus_cmds"),
    "retrieval_cmds": _register("retrieval_cmds"),
    "suggest_cmds": _register("suggest_cmds"),
    "compare_cmds": _register("compare_cmds"),
    "exchange_cmds": _register("exchange_cmds"),
    "agreement_cmds": _register("agreement_cmds"),
    "check_cmds": _register("check_cmds"),
    "coders_cmds": _group("coders_cmds", "app", "coders"),
    "transfer_cmds": _register("transfer_cmds"),
    "team_cmds": _group("team_cmds", "app", "team"),
    "merge_cmds": _register("merge_cmds"),
    "codebook_cmds": _group("codebook_cmds", "app", "codebook"),
    "coding_cmds": _coding,
    "export_cmds": _export,
    "topics_cmds": _group("topics_cmds", "app", "topics"),
    "words_cmds": _register("words_cmds"),
    "lexicon_cmds": _group("lexicon_cmds", "app", "lexicon"),
    "pseudonym_cmds": _group("pseudonym_cmds", "app", "pseudonyms"),
    "query_cmds": _group("query_cmds", "app", "query"),
    "set_cmds": _group("set_cmds", "app", "set"),
}


def _settings() -> dict[str, Any]:
    return {"add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None}


@cache
def installed(module: str) -> typer.Typer:
    """A Typer app holding what ``module`` registers (each module is installed once)."""
    holder = typer.Typer(**_settings())
    INSTALLERS[module](holder)
    return holder


def _command_name(info: Any) -> str:
    return info.name or info.callback.__name__.lower().replace("_", "-")


@cache
def build_command(name: str) -> typer.main.TyperCommand | TyperGroup:
    """The click command ``qualcode NAME``, built from its module alone."""
    holder = installed(COMMANDS[name].module)
    single = typer.Typer(**_settings())
    single.callback()(lambda: None)  # a group, so that the command keeps its own name
    single.registered_commands = [c for c in holder.registered_commands if _command_name(c) == name]
    single.registered_groups = [g for g in holder.registered_groups if g.name == name]
    built = typer.main.get_command(single)
    assert isinstance(built, TyperGroup)
    check_parsed_values(built.commands[name])
    return built.commands[name]  # type: ignore[return-value]


class _Commands(Mapping[str, Any]):
    """The root's commands by name, each built the first time it is looked up."""

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        return build_command(name)

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyRoot(TyperGroup):
    """The ``qualcode`` group: lists its commands from :data:`COMMANDS`, builds one on use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()  # type: ignore[assignment]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, make_default_short_help(entry.summary, limit)) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="qualcode",
    help="A terminal workbench for coding qualitative interviews. Without a command: open the workbench.",
    cls=LazyRoot,
    **_settings(),
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
        from qualcode.cli.project_cmds import open_workbench

        open_workbench(None, None)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: every failure a user can cause becomes a message and an exit code.

    QualcodeError is ours; usage errors (unknown command or option, missing or malformed
    argument) are the parser's. Typer 0.29 parses with its own vendored copy of Click,
    whose exceptions derive from ``typer.TyperException`` and not from ``click``'s; an
    older Typer raised ``click.ClickException``. Both are caught by type, nothing wider.
    """
    _replace_unprintable_output()
    if argv is not None and any("\x00" in argument for argument in argv):
        # A command line from a shell cannot hold NUL; a caller's list can, and the parser's
        # path checks then raise ValueError ("embedded null byte").
        sys.stderr.write("Error: an argument holds a NUL character, which no name, path or value may contain.\n")
        return USAGE_EXIT_CODE
    try:
        result = app(args=argv, standalone_mode=False)
    except QualcodeError as error:
        from qualcode.cli.output import report_error

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
    except OSError as error:
        # The file system refused a path the user gave (a name too long, no permission, a
        # full disk): the store's transaction has already rolled back on the way out.
        from qualcode.cli.output import report_error

        refused = file_system_refusal(error)
        report_error(refused)
        return refused.exit_code
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
