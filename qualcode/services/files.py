"""Writing export files safely: never over an existing file unless told, never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from qualcode.errors import ExportError, file_system_refusal


def refuse_folder(path: Path) -> None:
    """A folder given where a file name belongs: said as such, before its missing suffix is
    taken for an unknown format (or its existence for a file that --force would replace)."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; the output needs a file name.",
                          f"Name a file inside it, e.g. {path / 'NAME'} with the file type's extension.")


def check_target(path: Path, *, overwrite: bool) -> None:
    try:
        refuse_folder(path)
        if path.exists() and not overwrite:
            raise ExportError(f"{path} already exists.", "Pass --force to replace it, or choose another name.")
        if not path.parent.exists():
            raise ExportError(f"Cannot write {path}: folder {path.parent} does not exist.")
    except OSError as exc:  # a name too long to look up, a folder that may not be read
        refused = file_system_refusal(exc)
        raise ExportError(refused.message, refused.hint) from exc


@contextmanager
def atomic_output(path: Path, *, overwrite: bool, binary: bool = True) -> Iterator[IO]:
    """A stream whose content replaces ``path`` only when the block ends without error."""
    check_target(path, overwrite=overwrite)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"Cannot write to {path.parent}: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as stream:
            yield stream
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; exports are ordinary files
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_with(path: Path, writer: Callable[[IO], None], *, overwrite: bool, binary: bool = True) -> Path:
    with atomic_output(path, overwrite=overwrite, binary=binary) as stream:
        writer(stream)
    return path
