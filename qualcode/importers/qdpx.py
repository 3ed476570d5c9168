"""REFI-QDA project import (``.qdpx``): pure, from archive bytes to an ExchangeProject.

The archive is opened through :mod:`.zip_safety` and the XML parsed with defusedxml
(no DTD, no entities, no external references). Known quirks of real exports are
tolerated: the ``.qde`` named after the project, ``Sources/`` or ``sources/``, braces
around GUIDs, any ``urn:QDA-XML:project:`` namespace, empty ``<Sets/>``.

Positions: the standard counts Unicode code points of the plain text from 0; the end
is taken as exclusive. Real tools count differently (UTF-16 code units, ``\\r\\n`` as
one or two, bytes), so :mod:`.counting` decides from the selections which counting
the file uses, and the report says which and how sure. Positions are stored in code
points of the text with ``\\n`` line ends.

Source files are found the way the tools that write them refer to them: with or
without ``internal://``, in ``sources/``, ``Sources/`` or the archive's root, in any
case. A bare ``.qde`` (the XML without its zip) is read too: its texts come from
``<PlainTextContent>``, and sources it only refers to are listed as missing.

Whatever qualcode cannot represent (pictures, audio, video, PDF areas, selections
on transcripts or on rich text only, cases on selections, sets, links, graphs,
selection descriptions, missing source files) is listed as an :class:`ImportNotice`
with counts; nothing is dropped silently.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from qualcode.core.exchange import (
    ExchangeCoding,
    ExchangeDocument,
    ExchangeMemo,
    ExchangeProject,
    ImportNotice,
)
from qualcode.errors import ExchangeError, QualcodeError
from qualcode.importers import counting
from qualcode.importers.qdpx_parts import (
    FIX_HINT,
    MAX_CODER,
    MAX_NAME,
    _apply_cases,
    _child_text,
    _children,
    _clip,
    _Code,
    _codebooks,
    _decode,
    _guid,
    _read_codes,
    _read_notes,
    _refs,
    _report_unsupported,
    _time,
    _turns,
    _variable,
    original_guid,
)
from qualcode.importers.turns import detect_turns
from qualcode.importers.zip_safety import DEFAULT_LIMITS, SafeArchive, ZipLimits, open_archive

NAMESPACE_PREFIX = "urn:QDA-XML:project:"
SIDECAR_NAME = "qualcode.json"
SIDECAR_FORMAT = "qualcode-qdpx-extras"
DEFAULT_CODER = "imported"
# At most this share of a file's selections may fall outside the text under the best
# counting; beyond it no counting fits and the file is refused.
MAX_INVALID_SHARE = 0.5


@dataclass
class _Selection:
    guid: str
    original: str | None
    start: int
    end: int
    codings: list[tuple[str, str, datetime | None, list[str], str | None]]  # code, user, time, notes, own GUID
    notes: list[str]
    name: str | None = None  # whitespace-collapsed; QualCoder writes the coded text here


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    selections: list[_Selection] = field(default_factory=list)
    whole: list[tuple[str, str, datetime | None, list[str], str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    positions_reliable: bool = True
    original: str | None = None


# ------------------------------------------------------------------ reader


class _Reader:
    """One import: the archive (None for a bare .qde), the parsed XML and the notices."""

    def __init__(self, path: Path, archive: SafeArchive | None, default_coder: str,
                 qde_bytes: bytes | None = None) -> None:
        self.path = path
        self.archive = archive
        self.qde_bytes = qde_bytes
        self.default_coder = default_coder
        self.notices: list[ImportNotice] = []
        self.qde_name = "project.qde" if archive is not None else path.name
        self.users: dict[str, str] = {}
        self.user_guids: dict[str, str] = {}  # name -> GUID as written
        self.variables: dict[str, str] = {}
        self.project_user: str | None = None
        self.foreign = True

    def notice(self, where: str, what: str, *, skipped: bool = True) -> None:
        self.notices.append(ImportNotice(f"{self.qde_name}: {where}", what, skipped))

    # ---------------------------------------------------------------- files

    def find_qde(self) -> str:
        assert self.archive is not None
        exact = self.archive.find("project.qde")
        if exact:
            return exact
        candidates = [n for n in self.archive.names if n.lower().endswith(".qde") and "/" not in n]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ExchangeError(f"{self.path}: no project.qde in the archive.",
                                "This is not a REFI-QDA project file. " + FIX_HINT)
        raise ExchangeError(f"{self.path}: several .qde files in the archive "
                            f"({', '.join(sorted(candidates))}).", FIX_HINT)

    def parse_qde(self) -> ET.Element:
        if self.archive is not None:
            self.qde_name = self.find_qde()
            data = self.archive.read(self.qde_name)
            where = f"{self.path}:{self.qde_name}"
        else:
            data = self.qde_bytes or b""
            where = str(self.path)
        try:
            root = SafeET.fromstring(data, forbid_dtd=True)
        except ET.ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            raise ExchangeError(f"{where}:{line}: not well-formed XML (column {column + 1}); "
                                "the file is damaged or incomplete.", FIX_HINT) from exc
        except defusedxml.DefusedXmlException as exc:
            raise ExchangeError(f"{where}: refused unsafe XML ({exc}).",
                                "Project files must not declare a DTD or entities, nor point to "
                                "external resources. " + FIX_HINT) from exc
        except LookupError as exc:  # the XML declaration names an encoding Python does not know
            raise ExchangeError(f"{where}: its XML declaration names an encoding that does not exist ({exc}).",
                                "Save the file as UTF-8 (encoding=\"UTF-8\" in its first line). " + FIX_HINT) from exc
        except (ValueError, UnicodeError) as exc:
            raise ExchangeError(f"{where}: cannot be decoded as XML ({exc}).", FIX_HINT) from exc
        namespace, _, tag = root.tag.rpartition("}")
        namespace = namespace.lstrip("{")
        if tag != "Project" or not namespace.startswith(NAMESPACE_PREFIX):
            found = f"<{tag}>" + (f" in namespace '{namespace}'" if namespace else " without a namespace")
            raise ExchangeError(f"{where}: expected a REFI-QDA <Project> in namespace "
                                f"'urn:QDA-XML:project:1.0', found {found}.", FIX_HINT)
        for element in root.iter():
            if isinstance(element.tag, str):
                element.tag = element.tag.rpartition("}")[2]
        return root

    def member(self, reference: str) -> str | None:
        """The archive member a source path refers to, found as the writing tools mean it.

        ``internal://x.txt`` and a bare ``x.txt`` (as qc writes it) both name a file of
        the sources folder; ``sources/x.txt`` names it with its folder. Case is ignored.
        """
        if self.archive is None:
            return None
        name = reference.split("://", 1)[1] if "://" in reference else reference
        name = name.replace("\\", "/").lstrip("/")
        for candidate in (f"sources/{name}", name):
            found = self.archive.find(candidate)
            if found is not None:
                return found
        return None

    def internal(self, reference: str | None, what: str, *, detail: str = "") -> bytes | None:
        """The bytes of a source file inside the archive; None (with a notice) otherwise."""
        if not reference:
            return None
        scheme, sep, _ = reference.partition("://")
        absolute = reference.startswith(("/", "\\")) or (len(reference) > 1 and reference[1] == ":")
        if (sep and scheme.lower() != "internal") or (not sep and absolute):
            self.notice(what, f"refers to '{reference}' outside the project file; qualcode reads only "
                        f"files inside the .qdpx, so it was not imported{detail}")
            return None
        name = self.member(reference)
        if name is None:
            where = "the archive" if self.archive is not None else "this bare .qde (no archive)"
            self.notice(what, f"its file '{reference}' is missing from {where}; not imported{detail}")
            return None
        return self.archive.read(name) if self.archive is not None else None

    def sidecar(self) -> dict:
        name = self.archive.find(SIDECAR_NAME) if self.archive is not None else None
        if name is None:
            return {}
        try:
            data = json.loads(self.archive.read(name).decode("utf-8"))
        except (ValueError, UnicodeError):
            self.notices.append(ImportNotice(SIDECAR_NAME, "damaged; qualcode's extra data "
                                             "(speaker turns, codebook slugs) was not used"))
            return {}
        if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
            return {}
        return data

    # ---------------------------------------------------------------- users

    def coder(self, *guids: str | None) -> str:
        for value in guids:
            key = _guid(value)
            if key:
                return self.users.get(key) or self.users.setdefault(key, f"user-{key[:8]}")
        return self.default_coder

    def read_users(self, root: ET.Element) -> None:
        for holder in _children(root, "Users"):
            for user in _children(holder, "User"):
                key = _guid(user.get("guid"))
                name = (user.get("name") or user.get("id") or "").strip() or f"user-{key[:8]}"
                if key:
                    self.users[key] = _clip(name, MAX_CODER)
                    original = original_guid(user.get("guid"))
                    if original:
                        self.user_guids.setdefault(self.users[key], original)
        self.project_user = root.get("creatingUserGUID")


# ------------------------------------------------------------------ sources


def _codings_of(element: ET.Element) -> list[tuple[str, str, datetime | None, list[str], str | None]]:
    result = []
    for coding in _children(element, "Coding"):
        refs = _refs(coding, "CodeRef")
        result.append((refs[0] if refs else "", coding.get("creatingUser") or "",
                       _time(coding.get("creationDateTime")), _refs(coding),
                       original_guid(coding.get("guid"))))
    return result


def _read_text_source(reader: _Reader, element: ET.Element, name: str) -> _Source | None:
    """A TextSource (or a text representation of another source) with its selections."""
    what = f"{element.tag} '{name}'"
    selections = _children(element, "PlainTextSelection")
    codings = sum(len(_children(s, "Coding")) for s in selections) + len(_children(element, "Coding"))
    detail = f" (with its {len(selections)} selection(s), {codings} coding(s))" if selections or codings else ""
    inline = _child_text(element, "PlainTextContent")
    raw = None
    path, rich = element.get("plainTextPath"), element.get("richTextPath")
    plain_found = bool(path) and reader.member(path) is not None
    rich_found = bool(rich) and reader.member(rich) is not None
    if path and inline is None and (plain_found or not rich_found):
        raw = reader.internal(path, what, detail=detail)  # lists it when missing
    text: str | None = None
    reliable = True
    if raw is not None:
        text, encoding = _decode(raw)
        if encoding:
            reader.notice(what, f"plain text read as {encoding}", skipped=False)
    if text is None and inline is not None:
        text = inline
    if text is None and rich and (rich_found or not path):
        text = _rich_text(reader, rich, what, detail)
        reliable = False
    if text is None:
        if not path and not rich:
            reader.notice(what, f"has no text qualcode can read (no plain text, no .docx); not imported{detail}")
        return None
    if not text.strip():
        reader.notice(what, "its text is empty (only white space): imported, but there is nothing "
                      "to code; check the export of this source", skipped=False)
    source = _Source(_guid(element.get("guid")), name, text, created_at=_time(element.get("creationDateTime")),
                     positions_reliable=reliable, notes=_refs(element),
                     original=original_guid(element.get("guid")))
    for selection in selections:
        try:
            start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
        except ValueError:
            reader.notice(f"{what}, selection {selection.get('guid')}", "positions are not whole numbers; "
                          "not imported")
            continue
        source.selections.append(_Selection(
            _guid(selection.get("guid")), original_guid(selection.get("guid")), start, end,
            [(c, u or selection.get("creatingUser") or element.get("creatingUser") or "", t, n, g)
             for c, u, t, n, g in _codings_of(selection)], _refs(selection),
            " ".join((selection.get("name") or "").split()) or None))
    source.whole = [(c, u or element.get("creatingUser") or "", t, n, g) for c, u, t, n, g in _codings_of(element)]
    return source


def _rich_text(reader: _Reader, reference: str | None, what: str, detail: str = "") -> str | None:
    raw = reader.internal(reference, what, detail=detail)
    if raw is None or not reference:
        return None
    if not reference.lower().endswith(".docx"):
        reader.notice(what, f"has only rich text '{reference}' in a format qualcode does not read "
                      "(only .docx); not imported")
        return None
    from qualcode.importers import docx

    try:
        document = docx.read(raw, Path(reference.rpartition("/")[2]))
    except QualcodeError as exc:
        reader.notice(what, f"its rich text could not be read ({exc.message}); not imported")
        return None
    reader.notice(what, "has no plain text: its .docx text was imported, and its selections "
                  "(counted in the tool's own plain text) were not", skipped=False)
    return document.text


def _read_sources(reader: _Reader, root: ET.Element) -> list[_Source]:
    sources: list[_Source] = []
    for holder in _children(root, "Sources"):
        for element in holder:
            path_name = (element.get("plainTextPath") or "").replace("\\", "/").rpartition("/")[2]
            name = ((element.get("name") or "").strip() or path_name.rpartition(".")[0] or path_name
                    or _guid(element.get("guid")))
            what = f"{element.tag} '{name}'"
            if element.tag == "TextSource":
                source = _read_text_source(reader, element, name)
                if source is not None:
                    for value in _children(element, "VariableValue"):
                        _variable(reader, value, source.attributes)
                    sources.append(source)
                continue
            selections = sum(1 for child in element if child.tag.endswith("Selection"))
            kind = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "audio",
                    "VideoSource": "video"}.get(element.tag, element.tag)
            article = "an" if kind[0] in "aeiou" else "a"
            reader.notice(what, f"{article} {kind} source with {selections} coded area(s) or clip(s); "
                          "qualcode holds text only, so the source and these selections were not imported")
            representations = _children(element, "Representation") + _children(element, "Transcript")
            for index, text_element in enumerate(representations, start=1):
                label = "text" if text_element.tag == "Representation" else "transcript"
                suffix = f" {index}" if len(representations) > 1 else ""
                source = _read_text_source(reader, text_element, f"{name} ({label}{suffix})")
                if source is None:
                    continue
                if not text_element.get("guid"):
                    source.guid = f"{_guid(element.get('guid'))}/{label}{index}"
                transcript = [c for c in text_element if c.tag == "TranscriptSelection"]
                if transcript:
                    reader.notice(what, f"{len(transcript)} transcript selection(s) are anchored to "
                                  "time sync points, not to text positions; not imported")
                reader.notice(what, f"its {label} was imported as the text document '{source.name}'",
                              skipped=False)
                sources.append(source)
    return sources


@dataclass
class _Placed:
    """A source's stored text and how its raw positions map into it."""

    text: str
    mapping: counting.PositionMap | None  # None: positions need no mapping
    counting: counting.Counting


def _place(reader: _Reader, sources: list[_Source]) -> tuple[dict[int, _Placed], str]:
    """Choose the counting of the file from all its selections; a source whose own
    evidence clearly disagrees (its selections would fall outside the text) gets its own.

    Returns the placement per source (by index) and a line for the report.
    """
    scored: dict[int, tuple[list[counting.Score], list[int], list[counting.Counting]]] = {}
    placed: dict[int, _Placed] = {}
    for index, source in enumerate(sources):
        raw = source.raw
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        placed[index] = _Placed(text, None, counting.CANDIDATES[0])
        if not source.selections or not source.positions_reliable:
            continue
        candidates = counting.distinct_candidates(raw)
        if len(candidates) == 1 and "\r\n" not in raw:
            continue  # every counting reads this source alike
        crs = counting.crlf_positions(raw)
        bounds = [(sel.start, sel.end) for sel in source.selections]
        names = [sel.name for sel in source.selections]
        scored[index] = (counting.score(raw, text, bounds, crs, candidates, names), crs, candidates)
    total = sum(len(s.selections) for s in sources if s.positions_reliable)
    if not scored:
        line = "positions read as code points (the standard's counting); no text in the file is " \
               "counted differently by other countings" if total else ""
        return placed, line
    decision = counting.decide(counting.merge([v[0] for v in scored.values()]), True)
    decision = replace(decision, crlf=any(v[1] for v in scored.values()))
    best = decision.scores[0]
    if best.sampled >= 5 and best.valid < (1 - MAX_INVALID_SHARE) * best.sampled:
        raise ExchangeError(
            f"{reader.path}: no way of counting positions fits this file: under the best "
            f"({best.counting.describe()}) only {best.valid} of {best.sampled} sampled selections "
            "fall inside their texts.", "The file may be damaged, or its texts are not the ones the "
            "selections were made on. " + FIX_HINT)
    for index, (scores, crs, _) in scored.items():
        chosen = decision.counting
        own = counting.decide(scores, True)
        mine = _score_for(scores, chosen)
        if own.scores and mine is not None and own.scores[0].valid > mine.valid:
            chosen = own.counting
            reader.notice(f"TextSource '{sources[index].name}'", "its positions fit another counting "
                          f"than the rest of the file: {own.explain()}", skipped=False)
        placed[index] = _Placed(placed[index].text, counting.PositionMap(sources[index].raw, chosen, crs),
                                chosen)
    return placed, decision.explain()


def _score_for(scores: list[counting.Score], chosen: counting.Counting) -> counting.Score | None:
    merged = {s.counting.key: s for s in counting.merge([scores])}
    return merged.get(chosen.key)


# ------------------------------------------------------------------ public


def read_qdpx(path: Path | str, *, limits: ZipLimits = DEFAULT_LIMITS,
              default_coder: str = DEFAULT_CODER) -> tuple[ExchangeProject, list[ImportNotice]]:
    """Read a ``.qdpx`` file (or a bare ``.qde``) into what qualcode can hold, plus notices."""
    path = Path(path)
    head = _head(path)
    if not head.startswith(b"PK") and (path.suffix.lower() == ".qde" or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")):
        data = _read_bare(path, limits)
        return _read(_Reader(path, None, default_coder, qde_bytes=data), path)
    with open_archive(path, limits) as archive:
        return _read(_Reader(path, archive, default_coder), path)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(64)
    except FileNotFoundError as exc:
        raise ExchangeError(f"{path}: no such file.", "Check the path.") from exc
    except IsADirectoryError as exc:
        raise ExchangeError(f"{path} is a folder, not a project file.", "Give the .qdpx file itself.") from exc
    except OSError as exc:
        raise ExchangeError(f"Cannot read {path}: {exc.strerror}.", "Check the path and its permissions.") from exc


def _read_bare(path: Path, limits: ZipLimits) -> bytes:
    if not path.is_file():
        raise ExchangeError(f"{path} is not a regular file.", "Give the .qde or .qdpx file itself.")
    size = path.stat().st_size
    if size > limits.max_member_bytes:
        raise ExchangeError(f"{path}: {size} bytes, more than the {limits.max_member_bytes} a project "
                            "XML may have.", FIX_HINT)
    return path.read_bytes()


def _read(reader: _Reader, path: Path) -> tuple[ExchangeProject, list[ImportNotice]]:
    root = reader.parse_qde()
    if reader.archive is None:
        reader.notice("file", "a bare project XML without its archive: texts come from "
                      "<PlainTextContent>; sources it only refers to are listed as missing", skipped=False)
    sidecar = reader.sidecar()
    reader.read_users(root)
    project_name = (root.get("name") or "").strip() or path.stem
    reader.foreign = not (root.get("origin") or "").startswith("qualcode")
    extras = sidecar.get("codes") if isinstance(sidecar.get("codes"), dict) else {}
    codes = _read_codes(root, reader.foreign, {_guid(k): v for k, v in extras.items()})
    codebooks, code_keys = _codebooks(reader, root, codes, sidecar, project_name)
    reader.variables = {
        _guid(v.get("guid")): (v.get("name") or "").strip() or _guid(v.get("guid"))
        for holder in _children(root, "Variables") for v in _children(holder, "Variable")}
    sources = _read_sources(reader, root)
    _report_unsupported(reader, root)
    notes = _read_notes(reader, root)
    project = _assemble(reader, root, project_name, codebooks, codes, code_keys, sources, notes,
                        sidecar)
    return project, reader.notices


def _unique(name: str, taken: set[str]) -> str:
    name = _clip(name, MAX_NAME - 6)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate)
    return candidate


def _assemble(reader: _Reader, root: ET.Element, project_name: str, codebooks, codes: list[_Code],  # type: ignore[no-untyped-def]
              code_keys: dict[str, tuple[str, str]], sources: list[_Source],
              notes: dict, sidecar: dict) -> ExchangeProject:
    extras = {_guid(k): v for k, v in sidecar["documents"].items()} \
        if isinstance(sidecar.get("documents"), dict) else {}
    # Weights are keyed by the GUID of each <Coding> (REFI-QDA has no place for them).
    raw_weights = sidecar.get("weights") if isinstance(sidecar.get("weights"), dict) else {}
    weights = {_guid(k): v for k, v in raw_weights.items() if isinstance(k, str)}
    documents: list[ExchangeDocument] = []
    codings: list[ExchangeCoding] = []
    memos: list[ExchangeMemo] = []
    used_notes: set[str] = set()
    names: set[str] = set()
    by_source: dict[str, str] = {}

    def memo(note_key: str, kind: str, target, prefix: str = "") -> None:  # type: ignore[no-untyped-def]
        found = notes.get(note_key)
        if found is None:
            if note_key not in used_notes:
                reader.notice(f"NoteRef {note_key}", "points to no note; ignored")
            return
        used_notes.add(note_key)
        title, text, user, when, note_guid = found
        memos.append(ExchangeMemo(kind, target, prefix + text, reader.coder(user) if user else None,
                                  title or None, when, guid=note_guid))

    placements, counting_line = _place(reader, sources)
    if counting_line:
        reader.notice("positions", counting_line, skipped=False)
    for index, source in enumerate(sources):
        placed = placements[index]
        text, mapping = placed.text, placed.mapping
        name = _unique(source.name, names)
        by_source[source.guid] = name
        what = f"TextSource '{source.name}'"
        extra = extras.get(source.guid) if isinstance(extras.get(source.guid), dict) else {}
        turns = _turns(extra.get("turns"), len(text)) if extra else None
        for note_key in source.notes:
            memo(note_key, "document", name)
        for code_guid, user, when, coding_notes, own in source.whole:
            if code_guid not in code_keys:
                reader.notice(what, f"a coding of the whole source refers to an unknown code {code_guid}; "
                              "not imported")
                continue
            slug, key = code_keys[code_guid]
            for note_key in coding_notes:
                memo(note_key, "coding", len(codings))
            codings.append(ExchangeCoding(name, slug, key, reader.coder(user, reader.project_user),
                                          0, len(text), when, guid=own))
        if source.selections and not source.positions_reliable:
            reader.notice(what, f"{len(source.selections)} selection(s) not imported (no plain text "
                          "to count their positions in)")
        for selection in source.selections if source.positions_reliable else ():
            if mapping is None:
                start, end = selection.start, selection.end
                fits = 0 <= start < end <= len(text)
            else:
                mapped_start, mapped_end = mapping.to_stored(selection.start), mapping.to_stored(selection.end)
                fits = mapped_start is not None and mapped_end is not None and mapped_start < mapped_end
                start, end = (mapped_start or 0), (mapped_end or 0)
            where = f"{what}, selection {selection.guid}"
            if not fits:
                reader.notice(where, f"positions {selection.start}-{selection.end} are outside the "
                              f"text ({len(text)} characters), inside a character, or empty; "
                              f"{len(selection.codings)} coding(s) not imported")
                continue
            if not selection.codings:
                for note_key in selection.notes:
                    memo(note_key, "document", name, f"On «{text[start:end][:200]}»:\n")
                continue
            first = len(codings)
            for code_guid, user, when, coding_notes, own in selection.codings:
                if code_guid not in code_keys:
                    reader.notice(where, f"a coding refers to an unknown code {code_guid}; not imported")
                    continue
                slug, key = code_keys[code_guid]
                for note_key in coding_notes:
                    memo(note_key, "coding", len(codings))
                weight = weights.get(_guid(own)) if own else None
                if not (isinstance(weight, int) and not isinstance(weight, bool) and 0 <= weight <= 100):
                    weight = None
                codings.append(ExchangeCoding(name, slug, key, reader.coder(user, reader.project_user),
                                              start, end, when, weight, guid=own,
                                              selection_guid=selection.original))
            for note_key in selection.notes:
                if len(codings) > first:
                    memo(note_key, "coding", first)
                else:
                    memo(note_key, "document", name, f"On «{text[start:end][:200]}»:\n")
        speakers = extra.get("speakers") if extra else None
        documents.append(ExchangeDocument(
            name=name, text=text,
            format=str(extra.get("format") or "txt")[:20] if extra else "txt",
            language=extra.get("language") if extra and isinstance(extra.get("language"), str) else None,
            attributes=dict(source.attributes),
            turns=turns if turns is not None else detect_turns(text),
            speakers={str(k): {str(a): str(b) for a, b in v.items()} for k, v in speakers.items()
                      if isinstance(v, dict)} if isinstance(speakers, dict) else {},
            created_at=source.created_at, guid=source.original))
    _apply_cases(reader, root, documents, by_source)
    for code in codes:
        for note_key in code.notes:
            memo(note_key, "code", code_keys[code.guid])
    for note_key in _refs(root):
        memo(note_key, "project", None)
    for note_key in notes:
        if note_key not in used_notes:
            memo(note_key, "project", None)
    coders = dict.fromkeys(reader.users.values())
    coders.update(dict.fromkeys(c.coder for c in codings))
    return ExchangeProject(name=_clip(project_name, 200), coders=tuple(coders), codebooks=codebooks,
                           documents=tuple(documents), codings=tuple(codings), memos=tuple(memos),
                           created_at=_time(root.get("creationDateTime")),
                           code_guids={code_keys[c.guid]: c.original for c in codes if c.original},
                           coder_guids={n: g for n, g in reader.user_guids.items() if n in coders},
                           counting=counting_line)


def summarise(notices: Iterable[ImportNotice]) -> list[str]:
    """Notices as lines for a report."""
    return [str(n) for n in notices]
