"""Coded passages and matrices as tables: CSV, XLSX and JSON, written to one stream.

Owns the plain shapes exports are made from (:class:`Quote`, :class:`MatrixTable`) so
that every writer, tabular or not, takes the same data; services fill them in.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from typing import IO

from qualcode.core.model import CodedPassage

QUOTE_COLUMNS = ("code", "code_label", "document", "speaker", "attribution", "coder", "start", "end",
                 "text", "coding_id")


@dataclass(frozen=True)
class Quote:
    """A coded passage and how it is cited in the article."""

    passage: CodedPassage
    attribution: str

    def row(self) -> tuple[str | int, ...]:
        p = self.passage
        return (p.code_key, p.code_label, p.document_name, p.speaker or "", self.attribution, p.coder,
                p.start, p.end, p.text, p.coding_id)


@dataclass(frozen=True)
class MatrixTable:
    """A labelled table of numbers, with optional adjusted residuals per cell."""

    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    residuals: tuple[tuple[float, ...], ...] | None = None
    value_name: str = "codings"
    notes: tuple[str, ...] = field(default_factory=tuple)
    digits: int = 0


def _number(value: float, digits: int) -> float | int:
    return int(round(value)) if digits == 0 else round(value, digits)


# ---------------------------------------------------------------- quotes


def write_quotes_csv(quotes: list[Quote], stream: IO[str]) -> None:
    writer = csv.writer(stream)
    writer.writerow(QUOTE_COLUMNS)
    for quote in quotes:
        writer.writerow(quote.row())


def write_quotes_json(quotes: list[Quote], stream: IO[str]) -> None:
    rows = [{**dict(zip(QUOTE_COLUMNS, q.row(), strict=True)), "attributes": q.passage.attributes}
            for q in quotes]
    json.dump({"passages": rows}, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def write_quotes_xlsx(quotes: list[Quote], stream: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Passages"
    sheet.append(list(QUOTE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for quote in quotes:
        sheet.append(list(quote.row()))
    text_column = QUOTE_COLUMNS.index("text") + 1
    sheet.column_dimensions[sheet.cell(1, text_column).column_letter].width = 80
    for row in sheet.iter_rows(min_row=2, min_col=text_column, max_col=text_column):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    book.save(stream)


# ---------------------------------------------------------------- matrices


def write_matrix_csv(table: MatrixTable, stream: IO[str]) -> None:
    """Values first; residuals (when present) as a second block under a blank line."""
    writer = csv.writer(stream)
    writer.writerow(["code", *table.column_labels])
    for label, values in zip(table.row_labels, table.values, strict=True):
        writer.writerow([label, *(_number(v, table.digits) for v in values)])
    if table.residuals is not None:
        writer.writerow([])
        writer.writerow(["adjusted residual", *table.column_labels])
        for label, values in zip(table.row_labels, table.residuals, strict=True):
            writer.writerow([label, *("" if math.isnan(v) else round(v, 2) + 0.0 for v in values)])


def write_matrix_xlsx(table: MatrixTable, stream: IO[bytes]) -> None:
    """One sheet of values, one of residuals, one of notes (test results, warnings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.value_name[:31] or "values"
    _sheet(sheet, table.row_labels, table.column_labels, table.values, table.digits, Font)
    if table.residuals is not None:
        _sheet(book.create_sheet("adjusted residuals"), table.row_labels, table.column_labels,
               table.residuals, 2, Font)
    notes = book.create_sheet("notes")
    notes.append([table.title])
    for note in table.notes:
        notes.append([note])
    book.save(stream)


def _sheet(sheet, rows, columns, values, digits, font) -> None:  # type: ignore[no-untyped-def]
    sheet.append(["code", *columns])
    for cell in sheet[1]:
        cell.font = font(bold=True)
    for label, row in zip(rows, values, strict=True):
        sheet.append([label, *(None if math.isnan(v) else _number(v, digits) for v in row)])
    sheet.column_dimensions["A"].width = max([len(r) for r in rows] + [8]) + 2
    sheet.freeze_panes = "B2"
