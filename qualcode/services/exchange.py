"""REFI-QDA project exchange: a project out to ``.qdpx``, and ``.qdpx`` files in.

Export reads the whole project in one unit of work into an
:class:`~qualcode.core.exchange.ExchangeProject` and hands it to the pure exporter.
Import first parses and checks the whole file (pure importer, no database), then
writes everything in ONE unit of work: a file that is corrupt, unsafe or refused by
the store leaves the project exactly as it was. Importing without a target creates
a new project, which is removed again if the import fails.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.analysis import terms
from qualcode.core.codebook import Code, CodebookSpec, CodeSpec
from qualcode.core.exchange import (
    ExchangeCoding,
    ExchangeDocument,
    ExchangeMemo,
    ExchangeProject,
    ImportNotice,
)
from qualcode.core.model import CodingOrigin, ParsedDocument, ParsedTurn
from qualcode.errors import ExchangeError, QualcodeError
from qualcode.services import pseudonym_outputs, pseudonyms
from qualcode.services.corpus import free_name, new_segments
from qualcode.services.files import write_with
from qualcode.services.segmentation import AHEAD_CHARS, DocumentUnits, Segmentation
from qualcode.storage.records import NewSegment
from qualcode.storage.store import Store

Progress = Callable[[int, int, str], None]
SUPPORTED_LANGUAGES = ("sv", "en")


# ------------------------------------------------------------------ export


def project_snapshot(store: Store) -> ExchangeProject:
    """Everything the exchange format can carry, read in one transaction."""
    with store.unit_of_work() as uow:
        kept = uow.exchange_guids.all()
        coders = {c.id: c.name for c in uow.coders.list()}
        books = uow.codebooks.list()
        codes = uow.codebooks.codes(include_inactive=True)
        codings = uow.codings.list()
        used_codes = {c.code_id for c in codings}
        code_by_id = {c.id: c for c in codes}
        slug_of = {b.id: b.slug for b in books}
        specs = []
        for book in books:
            mine = [c for c in codes if c.codebook_id == book.id and (c.active or c.id in used_codes)]
            specs.append(CodebookSpec(
                slug=book.slug, name=book.name, version=book.version, languages=book.languages,
                description=book.description,
                codes=tuple(_code_spec(c, code_by_id) for c in mine)))
        documents = []
        names: dict[int, str] = {}
        for summary in uow.documents.list():
            document = uow.documents.get(summary.id)
            assert document is not None
            names[summary.id] = document.name
            turns = tuple(ParsedTurn(t.speaker_label, t.start, t.end, t.start_time, t.end_time)
                          for t in uow.documents.turns(summary.id))
            speakers = {s.label: dict(s.attributes) for s in uow.documents.speakers(summary.id)
                        if s.attributes}
            documents.append(ExchangeDocument(
                name=document.name, text=document.text, format=document.format,
                language=document.language, attributes=dict(document.attributes), turns=turns,
                speakers=speakers, created_at=document.imported_at, guid=kept.documents.get(summary.id)))
        index_of: dict[int, int] = {}
        exchange_codings = []
        for coding in codings:
            code = code_by_id[coding.code_id]
            index_of[coding.id] = len(exchange_codings)
            own, selection = kept.codings.get(coding.id, (None, None))
            exchange_codings.append(ExchangeCoding(
                document=names[coding.document_id], codebook=slug_of[code.codebook_id], code=code.key,
                coder=coders[coding.coder_id], start=coding.start, end=coding.end,
                created_at=coding.created_at, weight=coding.weight, guid=own, selection_guid=selection))
        memos = []
        for memo in uow.memos.list():
            target: str | tuple[str, str] | int | None
            if memo.target_kind == "project":
                target = None
            elif memo.target_kind == "document" and memo.target_id in names:
                target = names[memo.target_id]
            elif memo.target_kind == "code" and memo.target_id in code_by_id:
                code = code_by_id[memo.target_id]
                target = (slug_of[code.codebook_id], code.key)
            elif memo.target_kind == "coding" and memo.target_id in index_of:
                target = index_of[memo.target_id]
            else:
                continue  # written on something deleted since
            memos.append(ExchangeMemo(memo.target_kind, target, memo.text,
                                      coders.get(memo.coder_id) if memo.coder_id else None,
                                      created_at=memo.created_at, guid=kept.memos.get(memo.id)))
        code_guids = {(slug_of[code_by_id[i].codebook_id], code_by_id[i].key): guid
                      for i, guid in kept.codes.items() if i in code_by_id}
        coder_guids = {coders[i]: guid for i, guid in kept.coders.items() if i in coders}
    return ExchangeProject(name=store.project_name(), coders=tuple(sorted(coders.values())),
                           codebooks=tuple(specs), documents=tuple(documents),
                           codings=tuple(exchange_codings), memos=tuple(memos),
                           code_guids=code_guids, coder_guids=coder_guids)


def _code_spec(code: Code, by_id: dict[int, Code]) -> CodeSpec:
    parent = by_id.get(code.parent_id) if code.parent_id else None
    return CodeSpec(key=code.key, label_en=code.label_en, label_sv=code.label_sv,
                    parent=parent.key if parent else None, definition=code.definition,
                    inclusion=code.inclusion, exclusion=code.exclusion, examples=code.examples,
                    colour=code.colour, shortcut=code.shortcut)


def export_qdpx(store: Store, output: Path, *, overwrite: bool = False,
                progress: Progress | None = None, pseudonymise: bool | None = None) -> ExchangeProject:
    """Write the whole project to ``output`` (a ``.qdpx`` file); returns what was written.

    With ``pseudonymise`` (default: the project's setting) texts, names and attributes
    are rendered through the pseudonym table and every coding moved with its passage."""
    from qualcode.exporters.qdpx import write_qdpx

    output = Path(output)
    if output.suffix.lower() != ".qdpx":
        raise ExchangeError(f"{output}: a REFI-QDA project file must end in .qdpx.",
                            f"Use e.g. {output.stem if output.stem.strip('.') else 'project'}.qdpx.")
    compiled = pseudonyms.output_renderer(store, pseudonymise)
    snapshot = project_snapshot(store)
    if compiled is not None:
        snapshot = pseudonym_outputs.render_project(compiled, snapshot)
    write_with(output, lambda stream: write_qdpx(snapshot, stream, progress=progress),
               overwrite=overwrite)
    return snapshot


# ------------------------------------------------------------------ import


@dataclass
class ProjectImportReport:
    """What an import wrote, and what of the file it could not or did not take as is."""

    project: str
    documents: list[str] = field(default_factory=list)
    reused_documents: list[str] = field(default_factory=list)
    codebooks: list[str] = field(default_factory=list)
    codes: int = 0
    codings: int = 0
    memos: int = 0
    coders: list[str] = field(default_factory=list)
    notices: list[ImportNotice] = field(default_factory=list)
    created: bool = False
    counting: str = ""  # how the file's positions were read
    dry_run: bool = False

    @property
    def skipped(self) -> list[ImportNotice]:
        return [n for n in self.notices if n.skipped]


def read_project_file(path: Path, *, limits=None, default_coder: str | None = None  # type: ignore[no-untyped-def]
                      ) -> tuple[ExchangeProject, list[ImportNotice]]:
    """Parse and check a ``.qdpx`` file without touching any project."""
    from qualcode.importers import qdpx, zip_safety

    return qdpx.read_qdpx(path, limits=limits or zip_safety.DEFAULT_LIMITS,
                          default_coder=default_coder or qdpx.DEFAULT_CODER)


def preview_project_file(path: Path, *, limits=None, default_coder: str | None = None  # type: ignore[no-untyped-def]
                         ) -> ProjectImportReport:
    """What importing ``path`` would bring in and leave out, with nothing written anywhere."""
    project, notices = read_project_file(Path(path), limits=limits, default_coder=default_coder)
    coders = dict.fromkeys(project.coders)
    coders.update(dict.fromkeys(c.coder for c in project.codings))
    return ProjectImportReport(
        project=str(path), documents=[d.name for d in project.documents],
        codebooks=[b.slug for b in project.codebooks], codes=sum(len(b.codes) for b in project.codebooks),
        codings=len(project.codings), memos=len(project.memos), coders=sorted(coders),
        notices=list(notices), counting=project.counting, dry_run=True)


def import_qdpx(store: Store, path: Path, *, limits=None, default_coder: str | None = None,  # type: ignore[no-untyped-def]
                progress: Progress | None = None, cancel: threading.Event | None = None
                ) -> ProjectImportReport:
    """Import a ``.qdpx`` file into ``store`` in one transaction: all of it, or nothing."""
    project, notices = read_project_file(Path(path), limits=limits, default_coder=default_coder)
    return write_project(store, project, notices, source=str(path), progress=progress, cancel=cancel)


def import_qdpx_as_new(path: Path, target: Path | str, *, limits=None,  # type: ignore[no-untyped-def]
                       default_coder: str | None = None, progress: Progress | None = None,
                       cancel: threading.Event | None = None) -> tuple[Store, ProjectImportReport]:
    """Create a project at ``target`` from a ``.qdpx`` file; no project is left if it fails."""
    from qualcode.services.project import build_new_project, create_project

    project, notices = read_project_file(Path(path), limits=limits, default_coder=default_coder)

    def build(store: Store) -> ProjectImportReport:
        return write_project(store, project, notices, source=str(path), progress=progress, cancel=cancel)

    if "://" not in str(target):  # a file: built beside it and renamed, so a kill leaves nothing
        store, report = build_new_project(Path(target), build, name=project.name)
        report.project = store.location.display()
    else:
        store = create_project(target, name=project.name)
        try:
            report = build(store)
        except BaseException:
            store.close()
            raise
    report.created = True
    return store, report


def _language(document: ExchangeDocument) -> str:
    from qualcode.importers.language import detect_language

    for candidate in (document.language, document.attributes.get("language")):
        if candidate and candidate.lower() in SUPPORTED_LANGUAGES:
            return candidate.lower()
    return detect_language(document.text)


class _Segmenting:
    """Documents' units derived a little ahead of the writer, in a worker process for big
    imports: at most about :data:`~qualcode.services.segmentation.AHEAD_CHARS` of text is
    waiting at any time, so an archive with many long transcripts never holds every
    document's units at once (the whole archive's text is held once, as parsed)."""

    def __init__(self, documents: tuple[ExchangeDocument, ...], segmentation: Segmentation) -> None:
        self.documents = documents
        self.segmentation = segmentation
        self.languages: list[str] = []
        self.pending: deque[Callable[[], DocumentUnits]] = deque()
        self.ahead_chars = 0

    def units(self, index: int) -> tuple[str, Iterable[NewSegment]]:
        """Language and segments of document ``index``; documents are asked for in order."""
        while len(self.languages) < len(self.documents) and (
                len(self.languages) <= index or self.ahead_chars < AHEAD_CHARS):
            document = self.documents[len(self.languages)]
            language = _language(document)
            self.languages.append(language)
            self.pending.append(self.segmentation.submit(_as_parsed(document, language), language))
            self.ahead_chars += len(document.text)
        document = self.documents[index]
        self.ahead_chars -= len(document.text)
        units = self.pending.popleft()()
        return self.languages[index], new_segments(document.turns, units)


def _as_parsed(document: ExchangeDocument, language: str) -> ParsedDocument:
    return ParsedDocument(name=document.name, text=document.text, format=document.format,
                          turns=document.turns, attributes=document.attributes, language=language)


def write_project(store: Store, project: ExchangeProject, notices: list[ImportNotice], *,
                  source: str = "", progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> ProjectImportReport:
    """Write a parsed exchange project into ``store``: one unit of work, all or nothing."""
    import hashlib

    report = ProjectImportReport(project=store.location.display(), notices=list(notices),
                                 counting=project.counting)
    total = len(project.documents)
    size = sum(len(d.text) for d in project.documents)
    try:
        with Segmentation.for_size(size, None, fresh=True) as segmentation, store.unit_of_work() as uow:
            segmenting = _Segmenting(project.documents, segmentation)
            coder_ids = {name: uow.coders.get_or_create(name).id for name in project.coders}
            for coding in project.codings:
                if coding.coder not in coder_ids:
                    coder_ids[coding.coder] = uow.coders.get_or_create(coding.coder).id
            report.coders = sorted(coder_ids)
            code_ids = _write_codebooks(uow, project.codebooks, report)
            doc_ids: dict[str, int] = {}
            for position, document in enumerate(project.documents):
                if cancel is not None and cancel.is_set():
                    raise ExchangeError("Import cancelled; nothing was written.")
                language, segments = segmenting.units(position)
                if progress:
                    progress(position + 1, total + 1, document.name)
                existing = uow.documents.find_by_name(document.name)
                if existing is not None and uow.documents.text(existing.id) == document.text:
                    doc_ids[document.name] = existing.id
                    report.reused_documents.append(document.name)
                    report.notices.append(ImportNotice(
                        f"document '{document.name}'", "already in the project with the same text: "
                        "its codings and memos were added to it", skipped=False))
                    continue
                name = free_name(uow, document.name)
                if name != document.name:
                    report.notices.append(ImportNotice(f"document '{document.name}'",
                                                       f"stored as '{name}' (the name was taken)", skipped=False))
                attributes = {**document.attributes, "language": language}
                parsed = ParsedDocument(name=name, text=document.text, format=document.format,
                                        turns=document.turns, attributes=attributes, language=language,
                                        source_path=source or None)
                doc_ids[document.name] = uow.documents.add(
                    parsed, language=language, word_count=terms.word_count(document.text),
                    sha256=hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
                    speaker_attributes=document.speakers, segments=segments).id
                report.documents.append(name)
            coding_ids = _write_codings(uow, project, doc_ids, code_ids, coder_ids)
            report.codings = len(project.codings)
            _keep_guids(uow, project, doc_ids, code_ids, coder_ids, coding_ids)
            report.memos = _write_memos(uow, project, doc_ids, code_ids, coder_ids, coding_ids, report)
            uow.events.append("project.imported", {
                "source": source, "documents": len(report.documents), "codings": report.codings,
                "memos": report.memos, "codebooks": report.codebooks})
    except QualcodeError:
        raise
    except (ValueError, KeyError) as exc:  # an inconsistency the importer let through
        raise ExchangeError(f"{source}: the project could not be imported ({exc}); nothing was written.",
                            "Report this file to the qualcode developers.") from exc
    if progress:
        progress(len(project.documents) + 1, len(project.documents) + 1, "written")
    return report


def _write_codebooks(uow, specs: tuple[CodebookSpec, ...], report: ProjectImportReport  # type: ignore[no-untyped-def]
                     ) -> dict[tuple[str, str], int]:
    """Codebooks under their own slug; an existing one is reused only if it has every code."""
    ids: dict[tuple[str, str], int] = {}
    for spec in specs:
        existing = uow.codebooks.get_by_slug(spec.slug)
        if existing is not None:
            current = {c.key: c.id for c in uow.codebooks.codes(existing.id, include_inactive=True)}
            if all(code.key in current for code in spec.codes):
                for code in spec.codes:
                    ids[(spec.slug, code.key)] = current[code.key]
                report.notices.append(ImportNotice(
                    f"codebook '{spec.slug}'", "already in the project with every imported code: "
                    "codings were added to its codes", skipped=False))
                report.codebooks.append(spec.slug)
                continue
        slug, n = spec.slug, 1
        while uow.codebooks.get_by_slug(slug) is not None:
            n += 1
            slug = f"{spec.slug[:90]}-{n}"
        if slug != spec.slug:
            report.notices.append(ImportNotice(f"codebook '{spec.slug}'",
                                               f"stored as '{slug}' (the slug was taken)", skipped=False))
        book = uow.codebooks.add_codebook(slug, spec.name, spec.version, spec.languages, spec.description)
        local: dict[str, int] = {}
        ordered = [code for _, code in spec.walk()]
        ordered += [code for code in spec.codes if code not in ordered]
        for position, code in enumerate(ordered, start=1):
            parent = local.get(code.parent) if code.parent else None
            local[code.key] = uow.codebooks.add_code(book.id, code, parent, position).id
            ids[(spec.slug, code.key)] = local[code.key]
        report.codebooks.append(slug)
        report.codes += len(ordered)
    return ids


def _write_codings(uow, project: ExchangeProject, doc_ids: dict[str, int],  # type: ignore[no-untyped-def]
                   code_ids: dict[tuple[str, str], int], coder_ids: dict[str, int]) -> dict[int, int]:
    """Bulk insert; returns the new id of every coding, by its index in the file."""
    rows: dict[bool, list[dict]] = {True: [], False: []}
    indices: dict[bool, list[int]] = {True: [], False: []}
    for index, coding in enumerate(project.codings):
        values = {"document_id": doc_ids[coding.document], "code_id": code_ids[(coding.codebook, coding.code)],
                  "coder_id": coder_ids[coding.coder], "start": coding.start, "end": coding.end,
                  "origin": str(CodingOrigin.IMPORTED), "weight": coding.weight}
        if coding.created_at is not None:
            values["created_at"] = coding.created_at
        # Rows with and without created_at cannot share one executemany statement.
        rows[coding.created_at is not None].append(values)
        indices[coding.created_at is not None].append(index)
    ids: dict[int, int] = {}
    for group in (True, False):
        ids.update(zip(indices[group], uow.codings.add_many(rows[group]), strict=True))
    return ids


def _keep_guids(uow, project: ExchangeProject, doc_ids: dict[str, int],  # type: ignore[no-untyped-def]
                code_ids: dict[tuple[str, str], int], coder_ids: dict[str, int],
                coding_ids: dict[int, int]) -> None:
    """The file's GUIDs of what was written, so a re-export names the objects the same."""
    uow.exchange_guids.keep("document", {doc_ids[d.name]: d.guid for d in project.documents
                                         if d.guid and d.name in doc_ids})
    uow.exchange_guids.keep("code", {code_ids[k]: g for k, g in project.code_guids.items() if k in code_ids})
    uow.exchange_guids.keep("coder", {coder_ids[n]: g for n, g in project.coder_guids.items() if n in coder_ids})
    uow.exchange_guids.keep_codings({coding_ids[i]: (c.guid, c.selection_guid)
                                     for i, c in enumerate(project.codings) if c.guid or c.selection_guid})


def _write_memos(uow, project: ExchangeProject, doc_ids: dict[str, int],  # type: ignore[no-untyped-def]
                 code_ids: dict[tuple[str, str], int], coder_ids: dict[str, int],
                 coding_ids: dict[int, int], report: ProjectImportReport) -> int:
    written = 0
    guids: dict[int, str] = {}
    for memo in project.memos:
        coder_id = None
        if memo.coder:
            coder_id = coder_ids.get(memo.coder) or uow.coders.get_or_create(memo.coder).id
        target_id: int | None = None
        if memo.target_kind == "document":
            target_id = doc_ids.get(str(memo.target))
        elif memo.target_kind == "code":
            target_id = code_ids.get(memo.target)  # type: ignore[arg-type]
        elif memo.target_kind == "coding":
            target_id = coding_ids.get(memo.target)  # type: ignore[arg-type]
        if memo.target_kind != "project" and target_id is None:
            report.notices.append(ImportNotice(f"memo '{memo.title or memo.text[:40]}'",
                                               "its target was not imported; not imported"))
            continue
        added = uow.memos.add(memo.target_kind, target_id, coder_id, memo.text)
        if memo.guid:
            guids[added.id] = memo.guid
        written += 1
    uow.exchange_guids.keep("memo", guids)
    return written

