"""Whole-number options and arguments no database can hold are refused by the parser.

An id, seed or count typed with too many digits used to reach SQLite as a Python int
larger than its 64-bit INTEGER, and the driver's ``OverflowError`` came out as a
traceback. Every command's int parameters get a bounded version of their own type when
the command is built (:func:`bound_whole_numbers`), so such a value is a usage error
naming the option, like any other malformed number. The class is derived from the type
the installed Typer made (its vendored Click or ``click`` itself), never imported by name.
"""

from __future__ import annotations

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


@cache
def _bounded_class(parser_type: type) -> type:
    return type(f"Bounded{parser_type.__name__}", (_Bounded, parser_type), {})


def _is_whole_number(parser_type: Any) -> bool:
    return getattr(parser_type, "_number_class", None) is int and not isinstance(parser_type, _Bounded)


def bound_whole_numbers(command: Any) -> None:
    """Give every int parameter of ``command`` (and of its sub-commands) the bounded type."""
    for param in getattr(command, "params", ()):
        if _is_whole_number(param.type):
            bounded = object.__new__(_bounded_class(type(param.type)))
            bounded.__dict__.update(vars(param.type))
            param.type = bounded
    for sub in getattr(command, "commands", {}).values():
        bound_whole_numbers(sub)
