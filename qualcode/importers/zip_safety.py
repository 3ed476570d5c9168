"""Opening untrusted zip archives (``.qdpx``) without trusting a byte of them.

Every member name is checked before anything is read: no absolute paths, no drive
letters, no ``..`` components, no symbolic links, no encrypted members. The number of
members and the total uncompressed size are capped, and the cap on size is enforced
on the bytes actually inflated, not on the sizes the archive claims, so a zip bomb
stops at the limit. Members are only ever read into memory; nothing is extracted to
disk, so a hostile name could never write a file anyway.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from qualcode.errors import ExchangeError
from qualcode.importers.reading import DEFAULT_MAX_MB

CHUNK = 1 << 20
FIX_HINT = "Export the project again from its QDA tool; qualcode reads only plain .qdpx archives."


@dataclass(frozen=True)
class ZipLimits:
    """How much an archive may hold. The defaults fit projects of thousands of
    interviews while stopping decompression bombs long before memory runs out.

    Only text is ever inflated (the project XML, text sources, rich-text sources, notes;
    never audio or video), so the member limit is the limit of a transcript imported on
    its own (``reading.DEFAULT_MAX_MB``) and the total bounds a project's text.
    """

    max_members: int = 50_000
    max_total_bytes: int = 10 * DEFAULT_MAX_MB * 1_000_000
    max_member_bytes: int = DEFAULT_MAX_MB * 1_000_000


DEFAULT_LIMITS = ZipLimits()


def unsafe_reason(name: str) -> str | None:
    """Why a member name could point outside the archive, or None when it is safe."""
    if not name or "\x00" in name:
        return "an empty name or a NUL character"
    unified = name.replace("\\", "/")
    if unified.startswith("/"):
        return "an absolute path"
    if len(unified) >= 2 and unified[1] == ":" and unified[0].isalpha():
        return "a drive letter"
    if any(part == ".." for part in PurePosixPath(unified).parts):
        return "a '..' component (path traversal)"
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


class SafeArchive:
    """A checked, read-only zip archive. Use :func:`open_archive`."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, limits: ZipLimits) -> None:
        self.path = path
        self._zip = archive
        self.limits = limits
        self._read_total = 0
        self.names = [info.filename for info in archive.infolist() if not info.is_dir()]
        self._by_lower = {name.replace("\\", "/").lower(): name for name in self.names}

    def find(self, name: str) -> str | None:
        """The member called ``name``, compared without case (``Sources/`` = ``sources/``)."""
        return self._by_lower.get(name.replace("\\", "/").lower())

    def read(self, name: str) -> bytes:
        """A member's bytes, inflated in chunks and stopped at the size limits."""
        limits = self.limits
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(name) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    self._read_total += len(chunk)
                    if size > limits.max_member_bytes:
                        raise ExchangeError(
                            f"{self.path}: member '{name}' inflates to more than "
                            f"{limits.max_member_bytes:,} bytes; refused as a possible zip bomb.",
                            FIX_HINT)
                    if self._read_total > limits.max_total_bytes:
                        raise ExchangeError(
                            f"{self.path}: the archive inflates to more than "
                            f"{limits.max_total_bytes:,} bytes; refused as a possible zip bomb.",
                            FIX_HINT)
                    chunks.append(chunk)
        except KeyError as exc:
            raise ExchangeError(f"{self.path}: no member '{name}' in the archive.", FIX_HINT) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise ExchangeError(f"{self.path}: member '{name}' is damaged ({exc}).", FIX_HINT) from exc
        return b"".join(chunks)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_archive(path: Path | str, limits: ZipLimits = DEFAULT_LIMITS) -> SafeArchive:
    """Open ``path`` as a zip archive, refusing it whole if any member is unsafe."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise ExchangeError(f"{path}: no such file.", "Check the path.") from exc
    except IsADirectoryError as exc:
        raise ExchangeError(f"{path} is a folder, not a .qdpx file.", "Give the .qdpx file.") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ExchangeError(f"{path} is not a readable zip archive ({exc}).",
                            "A .qdpx file is a zip archive; the file may be truncated or "
                            "something else renamed. " + FIX_HINT) from exc
    try:
        _check(path, archive, limits)
    except BaseException:
        archive.close()
        raise
    return SafeArchive(path, archive, limits)


def _check(path: Path, archive: zipfile.ZipFile, limits: ZipLimits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ExchangeError(f"{path}: the archive has {len(infos):,} members, more than the "
                            f"limit of {limits.max_members:,}.", FIX_HINT)
    declared = 0
    for info in infos:
        reason = unsafe_reason(info.filename)
        if reason:
            raise ExchangeError(f"{path}: member '{info.filename}' has {reason}; "
                                "the archive is refused.", FIX_HINT)
        if _is_symlink(info):
            raise ExchangeError(f"{path}: member '{info.filename}' is a symbolic link; "
                                "the archive is refused.", FIX_HINT)
        if info.flag_bits & 0x1:
            raise ExchangeError(f"{path}: member '{info.filename}' is encrypted.",
                                "Export the project again without a password.")
        declared += info.file_size
    if declared > limits.max_total_bytes:
        raise ExchangeError(f"{path}: the archive declares {declared:,} bytes uncompressed, more "
                            f"than the limit of {limits.max_total_bytes:,}.", FIX_HINT)
