"""Codebooks in a project: loading, versions, and changing codes after coding began.

Loading a codebook whose slug the project already has is a new version: codes are
matched by their stable key; added codes are inserted, changed ones updated, and codes
that disappeared are retired only when nothing is coded with them, unless the user says
where their codings go (``remap``) or that they may be deleted (``drop``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.codebook import Code, Codebook, CodebookSpec, CodeSpec
from qualcode.core.team import Action
from qualcode.errors import CodebookError, NotFoundError
from qualcode.services.roles import require

if TYPE_CHECKING:
    from qualcode.storage.store import Store


@dataclass
class LoadReport:
    codebook: Codebook
    created: bool
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeNode:
    code: Code
    depth: int
    count: int


def load_file(store: Store, path: Path, *, remap: dict[str, str] | None = None,
              drop: set[str] | None = None, coder: str | None = None) -> LoadReport:
    from qualcode.importers.codebook_yaml import load_codebook

    return load_spec(store, load_codebook(locate_file(Path(path))), remap=remap, drop=drop, coder=coder)


def locate_file(path: Path) -> Path:
    """``path`` itself when it exists, else the shipped codebook it names.

    ``loose-coupling`` and ``codebooks/loose-coupling.yaml`` both find the shipped file
    from any folder, so the README's commands work outside the repository's root too.
    A missing file that names no shipped codebook is left for the reader to report.
    """
    if path.exists():
        return path
    shipped = Path(__file__).resolve().parents[2] / "codebooks"
    name = path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml"
    candidate = shipped / name
    return candidate if candidate.is_file() else path


def load_spec(store: Store, spec: CodebookSpec, *, remap: dict[str, str] | None = None,
              drop: set[str] | None = None, coder: str | None = None) -> LoadReport:
    remap, drop = remap or {}, drop or set()
    with store.unit_of_work() as uow:
        require(uow, coder, Action.SUPERVISE, "load or change a codebook")
        coder_id = uow.coders.get_or_create(coder).id if coder else None
        existing = uow.codebooks.get_by_slug(spec.slug)
        if existing is None:
            book = uow.codebooks.add_codebook(spec.slug, spec.name, spec.version, spec.languages,
                                              spec.description)
            report = LoadReport(book, created=True)
            ids: dict[str, int] = {}
            for position, (_, code) in enumerate(spec.walk(), start=1):
                row = uow.codebooks.add_code(book.id, code, ids.get(code.parent) if code.parent else None, position)
                ids[code.key] = row.id
                report.added.append(code.key)
            uow.events.append("codebook.loaded", {"slug": spec.slug, "version": spec.version,
                                                  "codes": len(ids)}, coder_id)
            return report
        report = _reconcile(uow, existing, spec, remap, drop)
        uow.codebooks.update_codebook(existing.id, name=spec.name, version=spec.version,
                                      languages=spec.languages, description=spec.description)
        report.codebook = uow.codebooks.get(existing.id)  # type: ignore[assignment]
        uow.events.append("codebook.updated", {
            "slug": spec.slug, "version": spec.version, "added": report.added,
            "updated": report.updated, "removed": report.removed, "moved": report.moved}, coder_id)
        return report


def _reconcile(uow, book: Codebook, spec: CodebookSpec, remap: dict[str, str],  # type: ignore[no-untyped-def]
               drop: set[str]) -> LoadReport:
    report = LoadReport(book, created=False)
    current = {c.key: c for c in uow.codebooks.codes(book.id, include_inactive=True)}
    new_keys = {c.key for c in spec.codes}
    counts = uow.codebooks.coding_counts(book.id)
    gone = [key for key in current if key not in new_keys and current[key].active]
    problems = []
    for key, target in remap.items():
        if key not in current:
            problems.append(f"--map {key}={target}: '{key}' is not a code of {book.slug}")
        if target not in new_keys:
            problems.append(f"--map {key}={target}: '{target}' is not in the new version")
    blocked = [k for k in gone if counts.get(current[k].id, 0) and k not in remap and k not in drop]
    for key in blocked:
        problems.append(f"code '{key}' is removed in the new version but has "
                        f"{counts[current[key].id]} codings")
    if problems:
        raise CodebookError(
            f"Cannot load {spec.slug} version {spec.version}.",
            "Say where the codings of removed codes go with --map OLD=NEW, "
            "or delete them with --drop OLD.", problems)
    ids = {key: code.id for key, code in current.items()}
    for position, (_, code) in enumerate(spec.walk(), start=1):
        parent_id = ids.get(code.parent) if code.parent else None
        if code.key in current:
            old = current[code.key]
            if _changed(old, code, parent_id, position) or not old.active:
                uow.codebooks.update_code(old.id, code, parent_id, position)
                report.updated.append(code.key)
        else:
            ids[code.key] = uow.codebooks.add_code(book.id, code, parent_id, position).id
            report.added.append(code.key)
    # Parents may have been inserted after their children: fix parent links in a second pass.
    for code in spec.codes:
        if code.parent:
            uow.codebooks.set_fields(ids[code.key], parent_id=ids[code.parent])
    for key in gone:
        old = current[key]
        if key in remap:
            report.moved[key] = uow.codings.move_code(old.id, ids[remap[key]])
        uow.codebooks.reparent_children(old.id, None)
        if key in drop or key in remap:
            uow.codebooks.delete_code(old.id)
        else:
            uow.codebooks.set_active(old.id, False)
        report.removed.append(key)
    return report


def _changed(old: Code, new: CodeSpec, parent_id: int | None, position: int) -> bool:
    return (old.label_en, old.label_sv, old.definition, old.inclusion, old.exclusion,
            tuple(old.examples), old.colour, old.shortcut, old.parent_id) != (
        new.label_en, new.label_sv, new.definition, new.inclusion, new.exclusion,
        tuple(new.examples), new.colour, new.shortcut, parent_id)


# --------------------------------------------------------------------- reading


def list_codebooks(store: Store) -> list[tuple[Codebook, int, int]]:
    """Every codebook with its number of active codes and of codings."""
    with store.unit_of_work() as uow:
        result = []
        for book in uow.codebooks.list():
            codes = uow.codebooks.codes(book.id)
            counts = uow.codebooks.coding_counts(book.id)
            result.append((book, len(codes), sum(counts.values())))
        return result


def get_codebook(uow, slug: str | None) -> Codebook:  # type: ignore[no-untyped-def]
    books = uow.codebooks.list()
    if slug is None:
        if len(books) == 1:
            return books[0]
        names = ", ".join(b.slug for b in books) or "none loaded"
        raise NotFoundError("Which codebook?", f"Name one of: {names}.")
    book = uow.codebooks.get_by_slug(slug)
    if book is None:
        names = ", ".join(b.slug for b in books) or "none loaded yet"
        raise NotFoundError(f"No codebook '{slug}' in this project (loaded: {names}).",
                            "Load one with 'qualcode codebook load FILE'.")
    return book


def code_tree(store: Store, slug: str | None, coder: str | None = None) -> tuple[Codebook, list[CodeNode]]:
    """Codes depth-first in codebook order, with coding counts (for one coder if named)."""
    with store.unit_of_work() as uow:
        book = get_codebook(uow, slug)
        coder_id = None
        if coder:
            found = uow.coders.find(coder)
            coder_id = found.id if found else -1
        return book, _tree(uow.codebooks.codes(book.id), uow.codebooks.coding_counts(book.id, coder_id))


def _tree(codes: list[Code], counts: dict[int, int]) -> list[CodeNode]:
    children: dict[int | None, list[Code]] = {}
    ids = {c.id for c in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    nodes: list[CodeNode] = []

    def visit(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            nodes.append(CodeNode(code, depth, counts.get(code.id, 0)))
            visit(code.id, depth + 1)

    visit(None, 0)
    return nodes


def spec_of(store: Store, slug: str | None) -> CodebookSpec:
    """The stored codebook as a spec, for exports."""
    with store.unit_of_work() as uow:
        book = get_codebook(uow, slug)
        codes = uow.codebooks.codes(book.id)
    keys = {c.id: c.key for c in codes}
    ordered = [node.code for node in _tree(codes, {})]
    return CodebookSpec(
        slug=book.slug, name=book.name, version=book.version, languages=book.languages,
        description=book.description,
        codes=tuple(
            CodeSpec(key=c.key, label_en=c.label_en, label_sv=c.label_sv,
                     parent=keys.get(c.parent_id) if c.parent_id else None, definition=c.definition,
                     inclusion=c.inclusion, exclusion=c.exclusion, examples=c.examples,
                     colour=c.colour, shortcut=c.shortcut)
            for c in ordered),
    )


def resolve_code(uow, reference: str, codebook: str | None = None) -> Code:  # type: ignore[no-untyped-def]
    """A code by ``key`` or ``slug:key`` (or its English label), refusing ambiguity."""
    slug, _, key = reference.rpartition(":") if ":" in reference else (codebook, "", reference)
    book_id = None
    if slug:
        book_id = get_codebook(uow, slug).id
    matches = uow.codebooks.find_codes(key, book_id)
    if not matches:
        lowered = key.lower()
        matches = [c for c in uow.codebooks.codes(book_id) if c.label_en.lower() == lowered]
    active = [c for c in matches if c.active] or matches
    if len(active) == 1:
        return active[0]
    if not active:
        raise NotFoundError(f"No code '{reference}' in this project.",
                            "See the codes with 'qualcode codebook show SLUG'.")
    books = {b.id: b.slug for b in uow.codebooks.list()}
    options = ", ".join(f"{books[c.codebook_id]}:{c.key}" for c in active)
    raise NotFoundError(f"Code '{reference}' is in several codebooks: {options}.", "Write it as SLUG:KEY.")
