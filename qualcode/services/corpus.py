"""Importing transcripts into a project, and reading documents back.

Import streams: each file is parsed (pure importers, no database), segmented and stored
in its own transaction, so one bad file never leaves half a document behind, and only a
few documents are in memory at any time. With a speaker map, a first light pass reads
only every file's labels, so a map naming a speaker no file has is refused before
anything is written.

What is derived from a document's text (paragraphs, sentences, search terms, word
count) does not need the database. A big import has a worker process derive it, from
the moment each file is parsed, while this process writes: see :class:`Segmentation`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.model import (
    DocumentSummary,
    ParsedDocument,
    ParsedTurn,
    SegmentKind,
    Speaker,
    Turn,
)
from qualcode.errors import NotFoundError, QualcodeError, SourceFileError

if TYPE_CHECKING:
    # The import machinery (readers, YAML, the segmentation worker, the roles' checks) is
    # loaded by the import and change functions below, not by commands that only read
    # documents back.
    import threading

    from qualcode.services.segmentation import DocumentUnits, Segmentation
    from qualcode.storage.records import NewSegment
    from qualcode.storage.store import Store

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ImportProblem:
    path: str
    reason: str


@dataclass
class ImportReport:
    imported: list[DocumentSummary] = field(default_factory=list)
    failed: list[ImportProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(d.word_count for d in self.imported)


@dataclass(frozen=True)
class DocumentView:
    """A document as the reader shows it: text, turns with speakers, sentences."""

    summary: DocumentSummary
    text: str
    turns: list[Turn]
    speakers: list[Speaker]
    sentences: list


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[ImportProblem]]:
    """Files to import: named files as given, folders searched for supported files.

    Every path that is not imported is reported: a missing path, a folder with nothing
    to import, a sub-folder that cannot be read.
    """
    from qualcode.importers.base import SUPPORTED_EXTENSIONS
    from qualcode.importers.reading import FolderProblem, display_path, walk_files

    files: list[Path] = []
    problems: list[ImportProblem] = []
    for path in paths:
        if path.is_dir():
            found = unreadable = 0
            for item in walk_files(path, SUPPORTED_EXTENSIONS):
                if isinstance(item, FolderProblem):
                    problems.append(ImportProblem(item.path, item.reason))
                    unreadable += 1
                else:
                    files.append(item)
                    found += 1
            if not found and not unreadable:
                problems.append(ImportProblem(display_path(path), "no supported files in this folder "
                                              f"(supported: {', '.join(SUPPORTED_EXTENSIONS)})"))
        elif not path.exists() and not path.is_symlink():
            problems.append(ImportProblem(display_path(path), "no such file or folder"))
        else:
            files.append(path)
    return files, problems


def import_paths(
    store: Store,
    paths: Iterable[Path | str],
    *,
    attributes: dict[str, str] | None = None,
    speaker_map: Path | None = None,
    language: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportReport:
    """Import files and folders; bad files are reported and skipped, never half-stored."""
    from qualcode.core.team import Action
    from qualcode.importers.reading import display_path
    from qualcode.importers.speaker_map import check_known, load_speaker_map
    from qualcode.importers.turns import known_speakers
    from qualcode.services.roles import check
    from qualcode.services.segmentation import Segmentation

    check(store, None, Action.SUPERVISE, "import documents (a change of the corpus)")
    if language is not None and language.lower() not in SEGMENTED_LANGUAGES:
        # Refused once, before any file is read, not once per file after each was parsed.
        raise _unsupported_language(language.lower())
    report = ImportReport()
    files, problems = expand_paths(Path(p) for p in paths)
    report.failed.extend(problems)
    speakers = load_speaker_map(speaker_map) if speaker_map else {}
    with known_speakers(speakers):  # labels the map lists are speakers in every file
        if speaker_map:
            # A first, light pass keeps only each file's labels, so that a map naming a
            # speaker no file has is refused before anything is written, without holding
            # every parsed document until then.
            unmapped = check_known(speakers, _labels_of(files), speaker_map)
            for label in sorted(unmapped):
                report.notices.append(f"speaker '{label}' is not in {speaker_map}: no role or level set")
        with Segmentation.for_files(files, language) as segmentation:
            unindexed = 0
            planned = _planned_documents(files, report, attributes or {}, language, segmentation)
            for done, item, plan in planned:
                if cancel is not None and cancel.is_set():
                    report.notices.append("import cancelled: the remaining files were not imported")
                    break
                try:
                    summary = _store_document(store, item, plan, speakers, force, report)
                    report.imported.append(summary)
                    unindexed += summary.sentence_count
                except QualcodeError as exc:
                    report.failed.append(ImportProblem(display_path(item.path),
                                                       exc.message + (f" {exc.hint}" if exc.hint else "")))
                name = display_path(item.path.name)
                del item, plan  # this document's text and units go before the next is read
                if unindexed >= _INDEX_EVERY:
                    _index_for_search(store)
                    unindexed = 0
                if progress:
                    progress(done, len(files), name)
    if unindexed:
        _index_for_search(store)
    if report.imported:
        store.refresh_statistics()
    from qualcode.services.lemmas import apply_project_lemmas

    apply_project_lemmas(store, [summary.id for summary in report.imported])
    return report


# Sentences written between two batches for the search index (see
# repositories.search): the fewer batches the less the index costs, while indexing as
# the import goes does that work while the next documents are being segmented.
_INDEX_EVERY = 20_000


def _index_for_search(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.search.index_pending()


@dataclass(frozen=True)
class _ParsedFile:
    path: Path
    document: ParsedDocument
    sha256: str


@dataclass(frozen=True)
class _PlannedDocument:
    """A document with its language settled and its segmentation under way."""

    document: ParsedDocument  # attributes merged, language among them
    language: str
    units: Callable[[], DocumentUnits]


def _parse_files(files: list[Path], report: ImportReport | None) -> Iterator[tuple[int, _ParsedFile]]:
    """``(files consumed so far, parsed file)`` for the files that parse, one at a time.

    Failures go to ``report`` (none is kept without one: the light pass of
    :func:`_labels_of`, whose files the import reads again).
    """
    import hashlib

    from qualcode.importers.base import parse_source, read_source_bytes
    from qualcode.importers.reading import display_path

    for position, path in enumerate(files, start=1):
        try:
            raw = read_source_bytes(path)
            sha = hashlib.sha256(raw).hexdigest()
            document = parse_source(raw, path)
            del raw  # the text is kept; the bytes need not wait for the writer
        except QualcodeError as exc:
            if report is not None:
                report.failed.append(ImportProblem(display_path(path),
                                                   exc.message + (f" {exc.hint}" if exc.hint else "")))
            continue
        if report is not None and document.encoding not in ("utf-8", "utf-8-sig", "ascii"):
            report.notices.append(f"{display_path(path)}: decoded as {document.encoding} (not UTF-8)")
        yield position, _ParsedFile(path, document, sha)


def _labels_of(files: list[Path]) -> set[str]:
    """The speaker labels of every file that parses, each document dropped once read."""
    seen: set[str] = set()
    for _, item in _parse_files(files, None):
        seen.update(t.speaker for t in item.document.turns if t.speaker)
    return seen



def _planned_documents(files: list[Path], report: ImportReport, attributes: dict[str, str],
                       language: str | None, segmentation: Segmentation
                       ) -> Iterator[tuple[int, _ParsedFile, _PlannedDocument | SourceFileError]]:
    """The files in order, each parsed and its segmentation started a little ahead of
    the writer (see :data:`~qualcode.services.segmentation.AHEAD_CHARS`), and dropped
    here once handed over."""
    from qualcode.services.segmentation import AHEAD_CHARS

    parsed = _parse_files(files, report)
    ahead: deque[tuple[int, _ParsedFile, _PlannedDocument | SourceFileError]] = deque()
    chars = 0
    exhausted = False
    while True:
        while not exhausted and (not ahead or (chars < AHEAD_CHARS and len(ahead) < segmentation.lookahead)):
            following = next(parsed, None)
            if following is None:
                exhausted = True
                break
            position, item = following
            labels = sorted({t.speaker for t in item.document.turns if t.speaker})
            if labels:  # so a wrong label can be corrected with a speaker map
                report.notices.append(f"{item.path.name}: speaker labels detected: {', '.join(labels)}")
            ahead.append((position, item, _plan_document(item, attributes, language, segmentation)))
            chars += len(item.document.text)
        if not ahead:
            return
        entry = ahead.popleft()
        chars -= len(entry[1].document.text)
        yield entry
        del entry


# The languages whose sentences the segmenter splits (blank spaCy pipelines it ships with).
SEGMENTED_LANGUAGES = ("sv", "en")


def _unsupported_language(language: str) -> SourceFileError:
    return SourceFileError(f"Language '{language}' is not supported for segmentation.",
                           "Use --language sv or --language en.")


def _plan_document(item: _ParsedFile, attributes: dict[str, str], language: str | None,
                   segmentation: Segmentation) -> _PlannedDocument | SourceFileError:
    """Settle the language and start segmenting; an unsupported language is kept as the error."""
    from qualcode.importers.language import detect_language

    document = item.document
    merged = {**document.attributes, **attributes}
    lang = (language or merged.get("language") or document.language or detect_language(document.text)).lower()
    if lang not in SEGMENTED_LANGUAGES:
        return _unsupported_language(lang)
    merged["language"] = lang
    return _PlannedDocument(replace(document, attributes=merged), lang, segmentation.submit(document, lang))


def _store_document(store: Store, item: _ParsedFile, planned: _PlannedDocument | SourceFileError,
                    speakers: dict[str, dict[str, str]], force: bool, report: ImportReport) -> DocumentSummary:
    if isinstance(planned, SourceFileError):
        raise planned
    document, sha = planned.document, item.sha256
    units = planned.units()
    segments = new_segments(document.turns, units)
    with store.unit_of_work() as uow:
        duplicate = uow.documents.find_by_sha(sha)
        if duplicate is not None and not force:
            raise SourceFileError(
                f"already imported as '{duplicate.name}' (same content, sha256 {sha[:12]}...).",
                "Use --force to import it again as a separate document.")
        name = free_name(uow, document.name)
        if name != document.name:
            report.notices.append(f"{document.source_path}: stored as '{name}' (the name was taken)")
        document = replace(document, name=name)
        summary = uow.documents.add(
            document, language=planned.language, word_count=units.word_count, sha256=sha,
            speaker_attributes=speakers, segments=segments)
        uow.events.append("document.imported", {"document_id": summary.id, "name": name, "sha256": sha})
        return summary


def free_name(uow, name: str) -> str:  # type: ignore[no-untyped-def]
    """``name``, or ``name (2)``, ``name (3)``... if a document already has it."""
    candidate, n = name, 1
    while uow.documents.name_taken(candidate):
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def new_segments(turns: Sequence[ParsedTurn], units: DocumentUnits) -> Iterator[NewSegment]:
    """A document's turns, paragraphs and sentences (with search terms) as rows to store.

    A generator: the repository writes rows a batch at a time as they come, so the rows
    of a whole document are never in memory at once.
    """
    from qualcode.storage.records import NewSegment

    turn, paragraph, sentence = SegmentKind.TURN, SegmentKind.PARAGRAPH, SegmentKind.SENTENCE
    for i, t in enumerate(turns):
        yield NewSegment(turn, t.start, t.end, i)
    for start, end, turn_index in units.paragraph_spans():
        yield NewSegment(paragraph, start, end, turn_index)
    for (start, end, turn_index), sentence_terms in zip(units.sentence_spans(), units.sentence_terms(), strict=True):
        yield NewSegment(sentence, start, end, turn_index, sentence_terms)


# --------------------------------------------------------------------- reading


def list_documents(store: Store, *, attributes: dict[str, list[str]] | None = None) -> list[DocumentSummary]:
    """The documents, narrowed by document attributes. A key no document has is refused:
    a misspelt key would otherwise look like a filter that matched nothing."""
    with store.unit_of_work() as uow:
        documents = uow.documents.list()
    if attributes:
        check_document_keys(documents, attributes)
        documents = [d for d in documents
                     if all(d.attributes.get(k) in values for k, values in attributes.items())]
    return documents


def check_document_keys(documents: Sequence[DocumentSummary], attributes: dict[str, list[str]]) -> None:
    """Refuse a filter key no document has (for filters of whole documents), naming the
    keys that exist, in the words :func:`check_attribute_filter` uses."""
    known = sorted({key for d in documents for key in d.attributes})
    for key in attributes:
        if key not in known:
            raise NotFoundError(f"--attr {key}: no document has the attribute '{key}'.",
                                f"Use one of: {', '.join(known)}." if known
                                else "No document has attributes yet; set them with 'qualcode attr'.")


def check_attribute_filter(uow, attributes: dict[str, list[str]] | None,  # type: ignore[no-untyped-def]
                           option: str = "--attr") -> None:
    """Refuse a filter key no document or speaker has, naming the keys that exist: a
    misspelt key would otherwise read as a filter that matched nothing."""
    if not attributes:
        return
    known = uow.documents.attribute_keys()
    for key in attributes:
        if key not in known:
            raise NotFoundError(f"{option} {key}: no document or speaker has the attribute '{key}'.",
                                f"Use one of: {', '.join(sorted(known))}." if known
                                else "No document or speaker has attributes yet; see 'qualcode docs'.")


def document_id(uow, reference: str | int) -> int:  # type: ignore[no-untyped-def]
    """The id of a document given by id, name or unique name prefix.

    The workbench names documents by id on every keystroke that codes; checking that id
    is one query, where :func:`find_document` builds summaries to match names.
    """
    if isinstance(reference, int) and uow.documents.exists(reference):
        return reference
    return find_document(uow, reference).id


def find_document(uow, reference: str | int) -> DocumentSummary:  # type: ignore[no-untyped-def]
    """A document by name, by id, or by a unique name prefix."""
    text = str(reference)
    found = uow.documents.find_by_name(text)
    if found:
        return found
    documents = uow.documents.list()
    if text.isdigit():
        for d in documents:
            if d.id == int(text):
                return d
    matches = [d for d in documents if d.name.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise NotFoundError(f"'{text}' matches several documents: {', '.join(d.name for d in matches[:8])}.",
                            "Give more of the name.")
    raise NotFoundError(f"No document '{text}' in this project.", "List them with 'qualcode docs'.")


def view_document(store: Store, reference: str | int) -> DocumentView:
    with store.unit_of_work() as uow:
        summary = find_document(uow, reference)
        return DocumentView(
            summary=summary,
            text=uow.documents.text(summary.id),
            turns=uow.documents.turns(summary.id),
            speakers=uow.documents.speakers(summary.id),
            sentences=uow.documents.segments(summary.id, SegmentKind.SENTENCE),
        )


def set_document_attributes(store: Store, reference: str, attributes: dict[str, str]) -> DocumentSummary:
    with store.unit_of_work() as uow:
        from qualcode.core.team import Action
        from qualcode.services.roles import require

        summary = find_document(uow, reference)
        require(uow, None, Action.SUPERVISE, "set document attributes (a change of the corpus)")
        uow.documents.set_attributes(summary.id, attributes)
        uow.events.append("document.attributes", {"document_id": summary.id, "set": attributes})
        return uow.documents.find_by_name(summary.name)


def corpus_totals(store: Store) -> dict[str, int]:
    with store.unit_of_work() as uow:
        documents = uow.documents.list()
        return {
            "documents": len(documents),
            "words": sum(d.word_count for d in documents),
            "turns": sum(d.turn_count for d in documents),
            "sentences": sum(d.sentence_count for d in documents),
            "speakers": sum(d.speaker_count for d in documents),
        }
