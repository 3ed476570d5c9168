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

from importlib import import_module
from pathlib import Path

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError

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
    path = Path(path)
    module = _READERS.get(path.suffix.lower())
    if module is None:
        raise SourceFileError(
            f"{path}: unsupported file type '{path.suffix or '(none)'}'.",
            f"Supported: {', '.join(SUPPORTED_EXTENSIONS)}. Save the transcript in one of these.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(f"{path}: cannot read the file ({exc.strerror}).",
                              "Check that the file exists and that you may read it.") from exc
    return import_module(f"qualcode.importers.{module}").read(raw, path)  # type: ignore[no-any-return]
