"""Plain-text transcripts (.txt).

The file's text is stored as it is, decoded and with normalised line endings;
speaker turns are found from the labels at the start of lines.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.core.model import ParsedDocument
from qualcode.importers.decoding import decode_bytes
from qualcode.importers.turns import detect_turns


def read(raw: bytes, path: Path) -> ParsedDocument:
    """Parse the bytes of a .txt transcript."""
    text, encoding = decode_bytes(raw, path)
    return ParsedDocument(
        name=path.stem,
        text=text,
        format="txt",
        turns=detect_turns(text),
        source_path=str(path),
        encoding=encoding,
    )
