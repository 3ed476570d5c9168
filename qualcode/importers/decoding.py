"""Turning the bytes of a text file into the text qualcode stores.

Transcripts arrive from many tools: modern editors write UTF-8 (sometimes with a
byte order mark), older Windows software writes cp1252, and a few tools still write
Latin-1. This module owns the order in which those are tried, the refusal of empty
and binary files, and the normalisation every text format shares: line endings
become ``"\\n"`` and characters are composed (NFC), so that "ä" typed on one
machine matches "ä" pasted from another.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from qualcode.errors import SourceFileError

_SAMPLE = 8192
# Bytes below 0x20 that ordinary text may contain: tab, newline, vertical tab,
# form feed, carriage return, escape (some terminals' colour codes).
_TEXT_CONTROLS = b"\t\n\x0b\x0c\r\x1b"
# Every byte that does not count against a file's claim to be text.
_NOT_SUSPICIOUS = bytes(range(0x20, 0x100)) + _TEXT_CONTROLS
_BINARY_SHARE = 0.10


def decode_bytes(raw: bytes, path: Path | str) -> tuple[str, str]:
    """Decode a text file, returning ``(text, encoding used)``.

    UTF-8 is tried first (``utf-8-sig`` when the file starts with a byte order
    mark, which is then dropped), then cp1252, then Latin-1, which accepts any
    byte. UTF-32 and UTF-16 files with a byte order mark are decoded as such (UTF-32
    first: its little-endian mark begins with UTF-16's). A file of only white space
    is empty.
    """
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        try:
            text = raw.decode("utf-32")
        except UnicodeDecodeError as exc:
            raise _binary(path) from exc
        return _not_empty(normalise(text.removeprefix("\ufeff")), path), "utf-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _binary(path) from exc
        return _not_empty(normalise(text), path), "utf-16"
    if not raw.strip():
        raise SourceFileError(f"{path}: the file is empty.", "Check that the right file was given.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return normalise(raw.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise _binary(path) from exc
    if _looks_binary(raw):
        raise _binary(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig", "cp1252", "latin-1")
    else:
        candidates = ("utf-8", "cp1252", "latin-1")
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return normalise(text), encoding
    raise _binary(path)  # pragma: no cover - latin-1 decodes every byte


def _not_empty(text: str, path: Path | str) -> str:
    if not text.strip():
        raise SourceFileError(f"{path}: the file is empty (only white space).",
                              "Check that the right file was given.")
    return text


def normalise(text: str) -> str:
    """Line endings to ``"\\n"`` and characters to NFC, as every importer stores them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_SUSPICIOUS))  # counted in C, not byte by byte
    return controls > _BINARY_SHARE * len(sample)


def _binary(path: Path | str) -> SourceFileError:
    return SourceFileError(
        f"{path}: the file looks binary, not like text.",
        "Import transcripts saved as plain text (.txt, .md, .vtt, .srt) or as Word .docx.",
    )
