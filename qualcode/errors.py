"""The one exception family of qualcode.

Every failure a user can cause is a :class:`QualcodeError` carrying a message that
says what went wrong and where, and a hint that says how to fix it. The CLI and the
TUI translate it once, at their boundary; nothing below them prints.
"""

from __future__ import annotations

import errno


class QualcodeError(Exception):
    """A problem the user can act on."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class SourceFileError(QualcodeError):
    """A source file could not be read as a transcript."""

    exit_code = 3


class CodebookError(QualcodeError):
    """A codebook file or codebook change is invalid."""

    exit_code = 4

    def __init__(self, message: str, hint: str | None = None, problems: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.message, *("  - " + p for p in self.problems)]
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)


class StoreError(QualcodeError):
    """The project store cannot be opened or is inconsistent."""

    exit_code = 5


class NotFoundError(QualcodeError):
    """A named document, code, coder or run does not exist."""

    exit_code = 6


class CodingError(QualcodeError):
    """A coding operation was refused (bad span, unknown code, nothing to undo)."""

    exit_code = 7


class ExchangeError(QualcodeError):
    """A REFI-QDA exchange file is unsafe, corrupt or unsupported."""

    exit_code = 8


class ExportError(QualcodeError):
    """An export could not be written."""

    exit_code = 9


class AnalysisError(QualcodeError):
    """An analysis cannot run on the given data or settings."""

    exit_code = 10


class RoleError(QualcodeError):
    """A coder's role in the project does not allow the change they asked for."""

    exit_code = 12  # 11 is 'qualcode check' finding problems


# What the user can do about each refusal the file system gives, by errno.
_FILE_SYSTEM_HINTS = {
    errno.ENAMETOOLONG: "Use a shorter name: most file systems allow 255 bytes per name and 4,096 per path.",
    errno.EACCES: "Check the permissions of the file and of the folder it is in.",
    errno.EPERM: "Check the permissions of the file and of the folder it is in.",
    errno.ENOSPC: "Free some disk space, or write to another disk.",
    errno.EROFS: "The disk is mounted read-only: write somewhere else.",
    errno.ENOENT: "Check the path: a folder on the way to it does not exist.",
    errno.ENOTDIR: "Check the path: a part of it that should be a folder is a file.",
    errno.EISDIR: "Name a file, not a folder.",
    errno.ELOOP: "The path runs through a loop of symbolic links.",
}


def file_system_refusal(error: OSError) -> QualcodeError:
    """An OSError the file system raised on a user's path, as a message with what to do."""
    reason = error.strerror or str(error)
    where = error.filename
    if isinstance(where, bytes):
        where = where.decode("utf-8", "replace")
    if where is not None:
        shown = str(where) if len(str(where)) <= 80 else f"{str(where)[:60]}… ({len(str(where))} characters)"
        message = f"The file system refused {shown!r}: {reason}."
    else:
        message = f"The file system refused the operation: {reason}."
    hint = _FILE_SYSTEM_HINTS.get(error.errno or -1, "Check the path and try again.")
    return QualcodeError(message, hint=hint)
