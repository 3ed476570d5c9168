"""Codebook files in and out: REFI-QDA .qdc and article tables."""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import ExportError
from qualcode.services import codebook as codebooks
from qualcode.services.files import write_with
from qualcode.storage.store import Store

EXPORT_FORMATS = (".md", ".docx", ".qdc")


def export_codebook(store: Store, slug: str | None, output: Path, *, language: str = "en",
                    overwrite: bool = False) -> Path:
    from qualcode.exporters import codebook_tables, qdc

    spec = codebooks.spec_of(store, slug)
    suffix = output.suffix.lower()
    if suffix == ".md":
        return write_with(output, lambda s: codebook_tables.write_markdown(spec, s, language=language),
                          overwrite=overwrite, binary=False)
    if suffix == ".docx":
        return write_with(output, lambda s: codebook_tables.write_docx(spec, s, language=language),
                          overwrite=overwrite)
    if suffix == ".qdc":
        return write_with(output, lambda s: qdc.write_qdc(spec, s), overwrite=overwrite)
    raise ExportError(f"Cannot export a codebook as '{suffix or output.name}'.",
                      f"Use one of: {', '.join(EXPORT_FORMATS)}.")


def import_qdc(store: Store, path: Path, *, slug: str | None = None) -> codebooks.LoadReport:
    from qualcode.importers.qdc import read_qdc

    return codebooks.load_spec(store, read_qdc(path, slug=slug))
