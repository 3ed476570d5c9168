"""Console output shared by all commands: rich tables, JSON, progress, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A rich Console made on first use: importing rich costs as much as the command tree."""

    def __init__(self, **options: Any) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_console", None)

    def real(self) -> Console:
        made = object.__getattribute__(self, "_console")
        if made is None:
            from rich.console import Console

            made = Console(**object.__getattribute__(self, "_options"))
            object.__setattr__(self, "_console", made)
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.real(), name, value)


console = _LazyConsole(highlight=False)
errors = _LazyConsole(stderr=True, highlight=False)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value):
        return asdict(value)  # type: ignore[arg-type]
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def print_json_lines(rows: list[Any]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, default=_default, ensure_ascii=False) + "\n")


def report_error(error: QualcodeError) -> None:
    errors.print(f"[bold red]Error:[/] {error.message}", markup=True, soft_wrap=True)
    for problem in getattr(error, "problems", []) or []:
        errors.print(f"  - {problem}", markup=False, soft_wrap=True)
    if error.hint:
        errors.print(f"[yellow]Hint:[/] {error.hint}", soft_wrap=True)


@contextmanager
def progress_bar(description: str, *, quiet: bool) -> Iterator[Callable[[int, int, str], None]]:
    """A progress callback: a rich bar, or nothing at all under ``--quiet``."""
    if quiet or not errors.is_terminal:
        yield lambda done, total, label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[label]}"), TimeElapsedColumn(), console=errors.real(),
                  transient=True) as bar:
        task = bar.add_task(description, total=None, label="")

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, label=label)

        yield update


def escape(text: str) -> str:
    """rich's markup escape, imported when a command first prints."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
