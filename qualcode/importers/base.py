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

from collections.abc import Callable
from pathlib import Path

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError
from qualcode.importers import docx, markdown, plaintext, srt, vtt

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".vtt", ".srt")

_READERS: dict[str, Callable[[bytes, Path], ParsedDocument]] = {
    ".txt": plaintext.read,
    ".md": markdown.read,
    ".docx": docx.read,
    ".vtt": vtt.read,
    ".srt": srt.read,
}


def read_source(path: Path) -> ParsedDocument:
    """Parse one transcript file, choosing the importer by its extension."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise SourceFileError(
            f"{path}: unsupported file type '{path.suffix or '(none)'}'.",
            f"Supported: {', '.join(SUPPORTED_EXTENSIONS)}. Save the transcript in one of these.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(f"{path}: cannot read the file ({exc.strerror}).",
                              "Check that the file exists and that you may read it.") from exc
    return reader(raw, path)
