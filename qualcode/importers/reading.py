"""Reading the bytes of a file a user names: only regular files, never without bound.

A path given to an import may be anything: a FIFO (reading it waits for a writer that
never comes), a link to ``/dev/zero`` (reading it never ends), a file of several
gigabytes, a file or folder without read permission, a name that is not valid UTF-8.
This module owns the one way importers get bytes: opened without blocking, checked to
be a regular file with ``fstat`` on the open descriptor (so a link is judged by what it
points at, and nothing can be swapped in between check and read), and read up to a
size limit, :data:`DEFAULT_MAX_MB` megabytes unless ``QUALCODE_MAX_FILE_MB`` says
otherwise.

It also owns how a path is shown: a file name that is not valid UTF-8 reaches Python
with surrogate escapes, which cannot be printed or stored; :func:`display_path` shows
each undecodable byte as U+FFFD.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import SourceFileError

MAX_SIZE_VARIABLE = "QUALCODE_MAX_FILE_MB"
DEFAULT_MAX_MB = 100

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def display_path(path: Path | str) -> str:
    """``path`` as text that can always be printed and stored (bad bytes become U+FFFD)."""
    return os.fsencode(os.fspath(path)).decode("utf-8", errors="replace")


def display_name(name: str) -> str:
    """A file name or stem as printable, storable text."""
    return display_path(name)


def max_file_bytes() -> int:
    """The most bytes one source file may have: ``$QUALCODE_MAX_FILE_MB`` megabytes."""
    configured = os.environ.get(MAX_SIZE_VARIABLE, "").strip()
    if not configured:
        return DEFAULT_MAX_MB * 1_000_000
    try:
        megabytes = float(configured)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes < math.inf:  # 'nan' and 'inf' parse as floats too
        raise SourceFileError(f"{MAX_SIZE_VARIABLE}={configured!r} is not a size in megabytes.",
                              f"Set it to a positive number such as 500, or unset it for {DEFAULT_MAX_MB}.")
    return int(megabytes * 1_000_000)


def read_regular_file(path: Path | str, *, what: str = "file", limit: int | None = None) -> bytes:
    """The bytes of a regular file; :class:`SourceFileError` for anything else.

    ``what`` names the file in messages ("speaker map", "codebook").
    """
    shown = display_path(path)
    limit = max_file_bytes() if limit is None else limit
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise SourceFileError(f"{shown}: cannot read the {what}: no such file.", "Check the path.") from exc
    except IsADirectoryError as exc:
        raise SourceFileError(f"{shown}: is a folder, not a {what}.", "Name the file itself.") from exc
    except PermissionError as exc:
        raise SourceFileError(f"{shown}: permission denied; the {what} cannot be read.",
                              "Make the file readable (chmod u+r), or copy it somewhere you may read.") from exc
    except OSError as exc:
        raise SourceFileError(f"{shown}: cannot open the {what} ({exc.strerror or exc}).") from exc
    try:
        info = os.fstat(descriptor)
        refusal = not_regular_reason(info.st_mode)
        if refusal:
            raise SourceFileError(f"{shown}: is {refusal}, not a regular {what}; refused.",
                                  "Name an ordinary file saved on disk.")
        if info.st_size > limit:
            raise _too_large(shown, what, info.st_size, limit)
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        try:
            data = _read_at_most(handle, limit + 1)
        except OSError as exc:
            raise SourceFileError(f"{shown}: cannot read the {what} ({exc.strerror or exc}).") from exc
    if len(data) > limit:  # it grew after fstat, or the file system reports no size
        raise _too_large(shown, what, len(data), limit)
    return data


def not_regular_reason(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not an ordinary file"


def _read_at_most(handle, size: int) -> bytes:  # type: ignore[no-untyped-def]
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _too_large(shown: str, what: str, size: int, limit: int) -> SourceFileError:
    return SourceFileError(
        f"{shown}: the {what} is {_size(size)}, more than the limit of {_size(limit)}.",
        f"Split it into smaller files, or raise the limit with {MAX_SIZE_VARIABLE}=MEGABYTES.")


def _size(count: int) -> str:
    return f"{count / 1e6:,.1f} MB" if count >= 1_000_000 else f"{count:,} bytes"


@dataclass(frozen=True)
class FolderProblem:
    """A path under a folder that could not be looked at."""

    path: str
    reason: str


def walk_files(folder: Path, suffixes: tuple[str, ...]) -> Iterator[Path | FolderProblem]:
    """Entries under ``folder`` with one of ``suffixes``, in sorted order, and the
    sub-folders that could not be read (as :class:`FolderProblem`, never skipped silently).

    Links to folders are not followed (a link loop would never end); anything else with a
    matching name is yielded, regular or not, so the reader can say why it refuses it.
    """
    found: list[Path | FolderProblem] = []

    def unreadable(error: OSError) -> None:
        where = display_path(error.filename or folder)
        found.append(FolderProblem(where, f"cannot read this folder ({error.strerror or error}); "
                                          "its files were not imported"))

    for root, folders, files in os.walk(folder, onerror=unreadable):
        folders.sort()
        for name in files:
            path = Path(root) / name
            if path.suffix.lower() in suffixes:
                found.append(path)
    found.sort(key=lambda item: os.fsencode(item.path if isinstance(item, FolderProblem) else item))
    yield from found
