"""Article-ready quotes in Word: grouped by code, each with its attribution, and the
codebook as an appendix table."""

from __future__ import annotations

import re
from typing import IO

from qualcode.core.codebook import CodebookSpec
from qualcode.errors import ExportError
from qualcode.exporters.codebook_tables import groups, labels_for
from qualcode.exporters.markdown import grouped
from qualcode.exporters.tabular import Quote


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def write_quotes_docx(quotes: list[Quote], stream: IO[bytes], *, title: str = "Coded passages",
                      codebook: CodebookSpec | None = None, language: str = "en") -> None:
    """Headings per code, indented quotes ending in their attribution; appendix last."""
    from docx import Document
    from docx.shared import Cm, Pt

    labels = labels_for(language)
    document = Document()
    document.add_heading(title, level=0)
    for _key, label, items in grouped(quotes):
        document.add_heading(label, level=1)
        for quote in items:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Cm(1)
            paragraph.paragraph_format.right_indent = Cm(1)
            body = paragraph.add_run(f"{labels.open_quote}{_flat(quote.passage.text)}{labels.close_quote}")
            body.italic = True
            if quote.attribution:
                paragraph.add_run(f" {quote.attribution}")
    if codebook is not None:
        document.add_page_break()
        document.add_heading(f"Appendix: {codebook.name} ({labels.version.lower()} {codebook.version})", level=1)
        for top, rows in groups(codebook):
            document.add_heading(top.label(language), level=2)
            table = document.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, (labels.code, labels.definition, labels.example),
                                  strict=True):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for row in rows:
                code = row.code
                examples = "; ".join(f"{labels.open_quote}{_flat(e)}{labels.close_quote}"
                                     for e in code.examples if e.strip())
                cells = table.add_row().cells
                for cell, text in zip(cells, (code.label(language), _flat(code.definition), examples),
                                      strict=True):
                    cell.text = text
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(9)
                cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.4 * row.depth)
    try:
        document.save(stream)
    except OSError as exc:
        raise ExportError(f"Cannot write the Word document: {exc.strerror or exc}.") from exc
