"""Word frequency, keyness and concordance tables to CSV, XLSX and DOCX streams."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import IO


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]], stream: IO[str]) -> None:
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows(rows)


def write_xlsx(header: Sequence[str], rows: Sequence[Sequence[object]], stream: IO[bytes]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(stream)


def write_kwic_docx(title: str, rows: Sequence[Sequence[object]], stream: IO[bytes]) -> None:
    """A concordance as a three-column table (left, match in bold, right) and its source.

    ``rows`` as the CSV has them: document, start, left, match, right, speaker, attribution."""
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=4)
    for name, _start, left, match, right, _speaker, citation in rows:
        cells = table.add_row().cells
        cells[0].text = str(left)
        cells[1].paragraphs[0].add_run(str(match)).bold = True
        cells[2].text = str(right)
        cells[3].text = str(citation or name)
    document.save(stream)
