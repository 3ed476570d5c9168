"""Word transcripts (.docx), read with python-docx.

The stored text is the document's non-empty paragraphs, in order, joined by a blank
line (``"\\n\\n"``), so every Word paragraph is one paragraph segment; line breaks
inside a paragraph stay ``"\\n"``. Tables are read row by row in their place: a row
of two cells whose first cell is a speaker label becomes ``Label: text``, any other
row contributes its cells as paragraphs. Headers, footers, comments and footnotes
are left out. Turns are found from the speaker labels, as for plain text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError
from qualcode.importers.decoding import normalise
from qualcode.importers.turns import detect_turns, match_label

_ZIP_MAGIC = b"PK\x03\x04"


def read(raw: bytes, path: Path) -> ParsedDocument:
    """Parse the bytes of a .docx transcript."""
    if not raw:
        raise SourceFileError(f"{path}: the file is empty.", "Check that the right file was given.")
    if not raw.startswith(_ZIP_MAGIC):
        raise _corrupt(path, "it is not a Word package (not a zip archive)")
    try:
        document = docx.Document(io.BytesIO(raw))
        blocks = [normalise(b).strip() for b in _blocks(document)]
        title = (document.core_properties.title or "").strip()
    except Exception as exc:  # python-docx reports damage with many exception types
        raise _corrupt(path, f"it cannot be opened ({type(exc).__name__})") from exc
    text = "\n\n".join(b for b in blocks if b)
    if not text:
        raise SourceFileError(f"{path}: the document has no text.",
                              "Check that the transcript is in the body, not in text boxes.")
    return ParsedDocument(
        name=path.stem,
        text=text,
        format="docx",
        turns=detect_turns(text),
        attributes={"title": title} if title else {},
        source_path=str(path),
        encoding="utf-8",
    )


def _blocks(document: docx.document.Document) -> Iterator[str]:
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item.text
        elif isinstance(item, Table):
            yield from _table_blocks(item)


def _table_blocks(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:  # merged cells repeat
                seen.add(id(cell._tc))
                cells.append(cell.text.strip())
        cells = [c for c in cells if c]
        if len(cells) == 2 and "\n" not in cells[0] and match_label(cells[0] + ": x") is not None:
            yield f"{cells[0]}: {cells[1]}"
        else:
            yield from cells


def _corrupt(path: Path, why: str) -> SourceFileError:
    return SourceFileError(f"{path}: not a readable .docx file: {why}.",
                           "Open it in Word or LibreOffice and save it again as .docx.")
