"""Values the parser refuses before a command runs: numbers no database can hold, and
paths that name nothing.

An id, seed or count typed with too many digits used to reach SQLite as a Python int
larger than its 64-bit INTEGER, and the driver's ``OverflowError`` came out as a
traceback. An empty path (``qualcode import ""``) became ``.``, the current folder,
which an import then read whole and an export could not put a file ending on. Every
command's int and path parameters get a checked version of their own type when the
command is built (:func:`check_parsed_values`), so such a value is a usage error naming
the option, like any other malformed value. The classes are derived from the types the
installed Typer made (its vendored Click or ``click`` itself), never imported by name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

# SQLite's INTEGER and PostgreSQL's bigint: the widest whole number either stores.
LOWEST = -(2 ** 63)
HIGHEST = 2 ** 63 - 1


class _Bounded:
    """Mixed in before the parser's own int type: its checks first, then the storable range."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = super().convert(value, param, ctx)  # type: ignore[misc]
        if isinstance(number, int) and not LOWEST <= number <= HIGHEST:
            self.fail(f"{number} is too large to store: a whole number here lies between "  # type: ignore[attr-defined]
                      f"{LOWEST:,} and {HIGHEST:,}.", param, ctx)
        return number


class _Named:
    """Mixed in before the parser's own path type: an empty value names no file or folder."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty path names no file or folder: give a name, or '.' for this folder.",  # type: ignore[attr-defined]
                      param, ctx)
        return super().convert(value, param, ctx)  # type: ignore[misc]


@cache
def _checked_class(mixin: type, parser_type: type) -> type:
    return type(f"{mixin.__name__.strip('_')}{parser_type.__name__}", (mixin, parser_type), {})


def _is_whole_number(parser_type: Any) -> bool:
    return getattr(parser_type, "_number_class", None) is int


def _is_path(parser_type: Any) -> bool:
    return type(parser_type).__name__.endswith("Path") and hasattr(parser_type, "resolve_path")


_CHECKS: tuple[tuple[Callable[[Any], bool], type], ...] = ((_is_whole_number, _Bounded), (_is_path, _Named))


def check_parsed_values(command: Any) -> None:
    """Give every int and path parameter of ``command`` (and of its sub-commands) its checked type."""
    for param in getattr(command, "params", ()):
        for applies, mixin in _CHECKS:
            if applies(param.type) and not isinstance(param.type, mixin):
                checked = object.__new__(_checked_class(mixin, type(param.type)))
                checked.__dict__.update(vars(param.type))
                param.type = checked
    for sub in getattr(command, "commands", {}).values():
        check_parsed_values(sub)
