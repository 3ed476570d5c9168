"""Reading any supported transcript file into a ParsedDocument.

This module owns the list of supported formats and picks the importer by file
extension. Every importer is pure: bytes in, a ParsedDocument out, with offsets
``[start, end)`` in code points of ``ParsedDocument.text`` and a SourceFileError
(never a raw exception) for input it cannot read.

What the stored text is, per format:

- ``.txt``: the decoded file, line endings normalised to ``"\\n"``.
- ``.md``: the body after the YAML front matter; front matter keys become attributes.
- ``.docx``: non-empty paragraphs joined by a blank line.
- ``.vtt``/``.srt``: one ``Speaker: text`` line per turn, turns separated by a blank
  line; turns keep their start and end time in seconds.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module
from pathlib import Path

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError
from qualcode.importers.reading import display_name, display_path, read_regular_file

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".vtt", ".srt")

# Importer modules by extension, loaded on first use (python-docx is slow to import).
_READERS: dict[str, str] = {
    ".txt": "plaintext",
    ".md": "markdown",
    ".docx": "docx",
    ".vtt": "vtt",
    ".srt": "srt",
}


def read_source(path: Path) -> ParsedDocument:
    """Parse one transcript file, choosing the importer by its extension."""
    return parse_source(read_source_bytes(path), path)


def read_source_bytes(path: Path) -> bytes:
    """The bytes of a transcript file: a supported type, a regular file, within the size limit."""
    path = Path(path)
    _reader_module(path)
    return read_regular_file(path)


def parse_source(raw: bytes, path: Path) -> ParsedDocument:
    """Parse bytes read from ``path`` with the importer its extension names.

    A name that is not valid UTF-8 is stored and shown with U+FFFD for each bad byte.
    """
    path = Path(path)
    document: ParsedDocument = import_module(f"qualcode.importers.{_reader_module(path)}").read(raw, path)
    name, source = display_name(document.name), display_path(document.source_path or path)
    if name != document.name or source != document.source_path:
        document = replace(document, name=name, source_path=source)
    return document


def _reader_module(path: Path) -> str:
    module = _READERS.get(path.suffix.lower())
    if module is None:
        raise SourceFileError(
            f"{display_path(path)}: unsupported file type '{display_name(path.suffix) or '(none)'}'.",
            f"Supported: {', '.join(SUPPORTED_EXTENSIONS)}. Save the transcript in one of these.")
    return module
