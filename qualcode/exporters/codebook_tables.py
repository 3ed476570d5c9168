"""Codebook tables for articles and appendices: Markdown and Word (.docx).

Each top-level code becomes a section with one table: the code itself in bold, then
its descendant codes (label, definition, inclusion, exclusion, examples); deeper codes are indented
under their parents. Headings and column names follow the chosen language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.errors import ExportError


@dataclass(frozen=True)
class Labels:
    """The fixed words of a table, in one language."""

    code: str
    definition: str
    inclusion: str
    exclusion: str
    example: str
    version: str
    codebook: str
    open_quote: str
    close_quote: str

    @property
    def columns(self) -> tuple[str, str, str, str, str]:
        return (self.code, self.definition, self.inclusion, self.exclusion, self.example)


LABELS = {
    "en": Labels("Code", "Definition", "Inclusion", "Exclusion", "Example", "Version",
                 "Codebook", "\u201c", "\u201d"),
    "sv": Labels("Kod", "Definition", "Inkludering", "Exkludering", "Exempel", "Version",
                 "Kodbok", "\u201d", "\u201d"),
}
INDENT = "\u2003"  # an em space: visible indentation in rendered and raw Markdown alike


def labels_for(language: str) -> Labels:
    try:
        return LABELS[language]
    except KeyError:
        raise ExportError(f"No table labels for language '{language}'.",
                          f"Use one of: {', '.join(LABELS)}.") from None


@dataclass(frozen=True)
class Row:
    """One table row: the code and how deep it sits below the group's top code."""

    depth: int
    code: CodeSpec


def groups(spec: CodebookSpec) -> Iterator[tuple[CodeSpec, list[Row]]]:
    """Each top-level code with the rows of its table: itself first, then its descendants."""
    current: CodeSpec | None = None
    rows: list[Row] = []
    for depth, code in spec.walk():
        if depth == 0:
            if current is not None:
                yield current, rows
            current, rows = code, []
        rows.append(Row(depth, code))
    if current is not None:
        yield current, rows


def _examples(code: CodeSpec, labels: Labels) -> str:
    return "; ".join(f"{labels.open_quote}{_flat(e)}{labels.close_quote}"
                     for e in code.examples if e.strip())


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _cells(row: Row, language: str, labels: Labels) -> tuple[str, str, str, str, str]:
    code = row.code
    return (code.label(language), _flat(code.definition), _flat(code.inclusion),
            _flat(code.exclusion), _examples(code, labels))


def _title_lines(spec: CodebookSpec, labels: Labels) -> tuple[str, str]:
    return spec.name, f"{labels.codebook} {spec.slug}, {labels.version.lower()} {spec.version}"


# ---------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def markdown(spec: CodebookSpec, *, language: str = "en") -> str:
    """The codebook as Markdown: title, description, then a pipe table per group."""
    labels = labels_for(language)
    title, subtitle = _title_lines(spec, labels)
    out = [f"# {_flat(title)}", "", f"*{subtitle}*", ""]
    if spec.description.strip():
        out += [spec.description.strip(), ""]
    for top, rows in groups(spec):
        out += [f"## {_flat(top.label(language))}", ""]
        out.append("| " + " | ".join(labels.columns) + " |")
        out.append("|" + "---|" * len(labels.columns))
        for row in rows:
            cells = [_md_cell(c) for c in _cells(row, language, labels)]
            cells[0] = INDENT * row.depth + (f"**{cells[0]}**" if row.depth == 0 else cells[0])
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def write_markdown(spec: CodebookSpec, stream: IO[str], *, language: str = "en") -> None:
    """Write the Markdown tables to a text stream."""
    stream.write(markdown(spec, language=language))


# -------------------------------------------------------------------- Word


def write_docx(spec: CodebookSpec, stream: IO[bytes], *, language: str = "en") -> None:
    """Write the tables as a Word document to a binary stream."""
    from docx import Document
    from docx.shared import Cm, Pt

    labels = labels_for(language)
    title, subtitle = _title_lines(spec, labels)
    document = Document()
    document.add_heading(title, level=0)
    document.add_paragraph(subtitle).runs[0].italic = True
    for paragraph in re.split(r"\n\s*\n", spec.description.strip()):
        if paragraph.strip():
            document.add_paragraph(_flat(paragraph))
    for top, rows in groups(spec):
        document.add_heading(top.label(language), level=1)
        table = document.add_table(rows=1, cols=len(labels.columns))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, labels.columns, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, _cells(row, language, labels), strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(9)
            first = cells[0].paragraphs[0]
            first.paragraph_format.left_indent = Cm(0.4 * row.depth)
            if row.depth == 0 and first.runs:
                first.runs[0].bold = True
    try:
        document.save(stream)
    except OSError as exc:
        raise ExportError(f"Cannot write the Word document: {exc.strerror or exc}.") from exc
