"""Codebook files in and out: REFI-QDA .qdc and article tables."""

from __future__ import annotations

from pathlib import Path

from qualcode.core.codebook import CodebookSpec
from qualcode.errors import ExchangeError, ExportError
from qualcode.services import codebook as codebooks
from qualcode.services.files import refuse_folder, write_with
from qualcode.storage.store import Store

EXPORT_FORMATS = (".md", ".docx", ".qdc")


def export_codebook(store: Store, slug: str | None, output: Path, *, language: str = "en",
                    overwrite: bool = False, pseudonymise: bool | None = None) -> Path:
    """The codebook as an article table (.md, .docx) or REFI-QDA codebook (.qdc); with
    ``pseudonymise`` (default: the project's setting) its texts rendered through the
    pseudonym table (labels, definitions, rules, example quotes)."""
    from qualcode.exporters import codebook_tables, qdc
    from qualcode.services import pseudonym_outputs, pseudonyms

    spec = codebooks.spec_of(store, slug)
    compiled = pseudonyms.output_renderer(store, pseudonymise)
    if compiled is not None:
        spec = pseudonym_outputs.render_spec(compiled, spec)
    refuse_folder(output)
    suffix = output.suffix.lower()
    if suffix == ".md":
        return write_with(output, lambda s: codebook_tables.write_markdown(spec, s, language=language),
                          overwrite=overwrite, binary=False)
    if suffix == ".docx":
        return write_with(output, lambda s: codebook_tables.write_docx(spec, s, language=language),
                          overwrite=overwrite)
    if suffix == ".qdc":
        guids = _kept_code_guids(store, spec.slug)
        return write_with(output, lambda s: qdc.write_qdc(spec, s, guids), overwrite=overwrite)
    raise ExportError(f"Cannot export a codebook as '{suffix or output.name}'.",
                      f"Use one of: {', '.join(EXPORT_FORMATS)}.")


def _kept_code_guids(store: Store, slug: str) -> dict[str, str]:
    """GUIDs imported projects gave this codebook's codes, by code key."""
    with store.unit_of_work() as uow:
        book = uow.codebooks.get_by_slug(slug)
        if book is None:
            return {}
        kept = uow.exchange_guids.all().codes
        return {c.key: kept[c.id] for c in uow.codebooks.codes(book.id, include_inactive=True) if c.id in kept}


def import_qdc(store: Store, path: Path, *, slug: str | None = None) -> codebooks.LoadReport:
    """Load a REFI-QDA codebook: a ``.qdc``, or the codebook inside a project (.qdpx/.qde)."""
    from qualcode.importers.qdc import read_qdc

    if _is_project(Path(path)):
        return codebooks.load_spec(store, codebook_of_project(Path(path), slug=slug))
    return codebooks.load_spec(store, read_qdc(path, slug=slug))


def _is_project(path: Path) -> bool:
    return path.suffix.lower() in (".qdpx", ".qde")


def codebook_of_project(path: Path, *, slug: str | None = None) -> CodebookSpec:
    """The codebook a REFI-QDA project file carries (one, or the one named by ``slug``)."""
    from dataclasses import replace

    from qualcode.importers.qdpx import read_qdpx

    project, _ = read_qdpx(path)
    books = [b for b in project.codebooks if b.codes]
    if not books:
        raise ExchangeError(f"{path}: the project has no codes.",
                            "Export the project again with its codebook, or import a .qdc file.")
    if len(books) == 1:
        return replace(books[0], slug=slug.strip()) if slug and slug.strip() else books[0]
    chosen = [b for b in books if b.slug == slug]
    if chosen:
        return chosen[0]
    raise ExchangeError(f"{path}: the project holds {len(books)} codebooks "
                        f"({', '.join(b.slug for b in books)}).",
                        "Choose one with --as SLUG, or import the whole project with "
                        "'qualcode import-project'.")
