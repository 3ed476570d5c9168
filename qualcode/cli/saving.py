"""``--save NAME``: a command kept as a saved query once it has run, and run again.

The commands that take it (retrieve, search, kwic, words, keyness, compare) wear
:func:`saveable`; it adds the option, checks the name before the command runs and
saves the command's own arguments after it has run without error. The arguments are
rebuilt from what the parser read, leaving out what only shapes the output (``--db``,
``--json``, ``--quiet``, ``--out``, ``--force``, ``--pseudonymise``), so the saved
query runs the same way in another project or from another folder.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import shlex
from collections.abc import Callable
from contextlib import redirect_stdout
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.core.sets import SavedQuery

SaveOption = Annotated[str | None, typer.Option(
    "--save", help="Also keep this command, with its arguments, as a saved query NAME (see 'qualcode query list').")]
# What only shapes the output: a saved query leaves it to whoever runs it.
PRESENTATION = frozenset({"db", "as_json", "quiet", "save", "out", "force", "pseudonymise"})
F = TypeVar("F", bound=Callable[..., Any])
# Every row of a saved query, not its first page: what a set or an export takes.
ALL_ROWS = {"retrieve": ["--page", "1", "--page-size", "1000000000"], "search": ["--limit", "1000000000"],
            "kwic": ["--limit", "1000000000"], "compare": []}


def _current_context() -> Any:
    try:  # Typer 0.29 parses with its own copy of Click
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - an older Typer, over Click itself
        from click import get_current_context
    return get_current_context()


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _from_environment(ctx: Any, name: str) -> bool:
    source = getattr(ctx, "get_parameter_source", lambda _name: None)(name)
    return source is not None and getattr(source, "name", "") == "ENVIRONMENT"


def command_args(ctx: Any) -> list[str]:
    """The arguments that make the command do what it just did, as a user would type them."""
    options: list[str] = []
    positional: list[str] = []
    for param in ctx.command.params:
        if param.name in PRESENTATION:
            continue
        value = ctx.params.get(param.name)
        if _from_environment(ctx, param.name):  # $QUALCODE_CODER and the like: not what was typed
            continue
        if param.param_type_name == "argument":
            if value is not None:
                positional += [_text(v) for v in value] if isinstance(value, list | tuple) else [_text(value)]
            continue
        if value is None or value == param.default or (param.multiple and not value):
            continue
        if getattr(param, "is_flag", False):
            if value:
                options.append(param.opts[0])
            elif param.secondary_opts:
                options.append(param.secondary_opts[0])
            continue
        for item in (value if param.multiple else [value]):
            options += [param.opts[0], _text(item)]
    positional += [str(a) for a in ctx.args]
    if any(p.startswith("-") for p in positional):
        return [*options, "--", *positional]
    return [*positional, *options]


def saveable(kind: str) -> Callable[[F], F]:
    """Give a command ``--save NAME``: the name is checked first, the query saved after."""
    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        parameter = inspect.Parameter("save", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=SaveOption)
        params = [*signature.parameters.values(), parameter]

        @functools.wraps(command)
        def run(*args: Any, save: str | None = None, **kwargs: Any) -> Any:
            if not save:
                return command(*args, **kwargs)
            from qualcode.cli.options import project
            from qualcode.services import queries

            arguments = command_args(_current_context())
            with project(kwargs.get("db")) as store:
                queries.check_free(store, save)
                result = command(*args, **kwargs)
                saved = queries.save(store, save, kind, arguments, coder=author(store))
            if not kwargs.get("as_json") and not kwargs.get("quiet"):
                from qualcode.cli.output import console, escape

                console.print(f"Saved as query '{escape(saved.name)}': run it again with: "
                              f"qualcode query run {escape(shlex.quote(saved.name))}")
            return result

        run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        run.__annotations__ = {**{p.name: p.annotation for p in params}, "return": signature.return_annotation}
        return run  # type: ignore[return-value]

    return decorate


def author(store: Any) -> str | None:
    """Who saves: $QUALCODE_CODER, else the coder last worked as here (none is allowed)."""
    import os

    from qualcode.services.project import remembered_coder

    return os.environ.get("QUALCODE_CODER") or remembered_coder(store)


def _with_extra(query: SavedQuery, extra: list[str]) -> list[str]:
    args = list(query.args)
    if "--" in args:  # options given now go before the saved positional part
        at = args.index("--")
        return [*args[:at], *extra, *args[at:]]
    return [*args, *extra]


def run_saved(query: SavedQuery, extra: list[str]) -> None:
    """Run the saved command with ``extra`` arguments after its own (a later option wins)."""
    from qualcode.cli.app import build_command

    command = build_command(query.kind)
    command.main(args=_with_extra(query, extra), prog_name=f"qualcode {query.kind}", standalone_mode=False)


def saved_result(query: SavedQuery, extra: list[str]) -> Any:
    """What the saved command prints under ``--json``, as data."""
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        run_saved(query, [*extra, "--json"])
    try:
        return json.loads(buffer.getvalue())
    except ValueError as exc:
        raise QualcodeError(f"Saved query '{query.name}' gave no readable result.",
                            "Run it with 'qualcode query run NAME' to see what it prints.") from exc
