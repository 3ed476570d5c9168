"""REFI-QDA project import (``.qdpx``): pure, from archive bytes to an ExchangeProject.

The archive is opened through :mod:`.zip_safety` and the XML parsed with defusedxml
(no DTD, no entities, no external references). Known quirks of real exports are
tolerated: the ``.qde`` named after the project, ``Sources/`` or ``sources/``, braces
around GUIDs, any ``urn:QDA-XML:project:`` namespace, empty ``<Sets/>``.

Positions: the standard counts Unicode code points of the plain text from 0; the end
is taken as exclusive. qualcode stores text with ``\\n`` line ends, so a ``\\r\\n`` in
the source text moves later positions one back. When a source's selections show that
its tool already counted ``\\r\\n`` as one character (a boundary inside ``\\r\\n``), the
positions are used as they are, and the report says so.

Whatever qualcode cannot represent (pictures, audio, video, PDF areas, selections
on transcripts or on rich text only, cases on selections) is listed as an
:class:`ImportNotice`; nothing is dropped silently.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from qualcode.core.codebook import MAX_CODE_DEPTH, CodebookSpec, CodeSpec
from qualcode.core.exchange import (
    ExchangeCoding,
    ExchangeDocument,
    ExchangeMemo,
    ExchangeProject,
    ImportNotice,
)
from qualcode.core.model import ParsedTurn
from qualcode.errors import ExchangeError, QualcodeError
from qualcode.importers.qdc import KEY_PATTERN, parse_description, slugify
from qualcode.importers.qdc import _colour as normalise_colour
from qualcode.importers.turns import detect_turns
from qualcode.importers.zip_safety import DEFAULT_LIMITS, SafeArchive, ZipLimits, open_archive

NAMESPACE_PREFIX = "urn:QDA-XML:project:"
SIDECAR_NAME = "qualcode.json"
SIDECAR_FORMAT = "qualcode-qdpx-extras"
DEFAULT_CODER = "imported"
FIX_HINT = "Export the project again from its QDA tool as a REFI-QDA project (.qdpx)."
# Lengths the project store allows (PostgreSQL enforces them).
MAX_NAME = 300
MAX_CODER = 100
MAX_KEY = 200
MAX_ATTRIBUTE_KEY = 100


# ------------------------------------------------------------------ helpers


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _children(element: ET.Element, tag: str) -> list[ET.Element]:
    return [child for child in element if child.tag == tag]


def _child_text(element: ET.Element, tag: str) -> str | None:
    for child in element:
        if child.tag == tag:
            return child.text or ""
    return None


def _refs(element: ET.Element, tag: str = "NoteRef") -> list[str]:
    return [_guid(child.get("targetGUID")) for child in element if child.tag == tag]


def _decode(raw: bytes) -> tuple[str, str | None]:
    """Text of a source file and, when it was not UTF-8, what it was read as."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252 (not valid UTF-8)"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    codings: list[tuple[str, str, datetime | None, list[str]]]  # code guid, user guid, time, notes
    notes: list[str]


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    selections: list[_Selection] = field(default_factory=list)
    whole: list[tuple[str, str, datetime | None, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    positions_reliable: bool = True


# ------------------------------------------------------------------ reader


class _Reader:
    """One import: the archive, the parsed XML and the notices gathered on the way."""

    def __init__(self, path: Path, archive: SafeArchive, default_coder: str) -> None:
        self.path = path
        self.archive = archive
        self.default_coder = default_coder
        self.notices: list[ImportNotice] = []
        self.qde_name = "project.qde"
        self.users: dict[str, str] = {}
        self.variables: dict[str, str] = {}
        self.project_user: str | None = None
        self.foreign = True

    def notice(self, where: str, what: str, *, skipped: bool = True) -> None:
        self.notices.append(ImportNotice(f"{self.qde_name}: {where}", what, skipped))

    # ---------------------------------------------------------------- files

    def find_qde(self) -> str:
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
        self.qde_name = self.find_qde()
        data = self.archive.read(self.qde_name)
        where = f"{self.path}:{self.qde_name}"
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

    def internal(self, reference: str | None, what: str) -> bytes | None:
        """The bytes of an ``internal://`` file; None (with a notice) for anything else."""
        if not reference:
            return None
        scheme, sep, rest = reference.partition("://")
        if not sep or scheme.lower() != "internal":
            self.notice(what, f"refers to '{reference}' outside the archive; qualcode reads only "
                        "files inside the .qdpx (internal://), so it was not imported")
            return None
        name = self.archive.find(f"sources/{rest}")
        if name is None:
            raise ExchangeError(f"{self.path}: {what} refers to '{reference}', but the archive has no "
                                f"sources/{rest}; the file is incomplete.", FIX_HINT)
        return self.archive.read(name)

    def sidecar(self) -> dict:
        name = self.archive.find(SIDECAR_NAME)
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
        self.project_user = root.get("creatingUserGUID")


# ------------------------------------------------------------------ codes


@dataclass
class _Code:
    guid: str
    name: str
    parent: str | None
    colour: str | None
    fields: dict[str, object]
    notes: list[str]
    codebook: str = ""
    key: str = ""


def _read_codes(root: ET.Element) -> list[_Code]:
    found: list[_Code] = []
    seen: set[str] = set()

    def visit(element: ET.Element, parent: str | None, level: int = 1) -> None:
        key = _guid(element.get("guid"))
        name = (element.get("name") or "").strip() or "Unnamed code"
        if level > MAX_CODE_DEPTH:
            raise ExchangeError(f"The <Code> named '{name}' is nested more than {MAX_CODE_DEPTH} "
                                "levels deep.", "Move deeply nested codes nearer the top, then export again.")
        if not key or key in seen:
            raise ExchangeError(f"The <Code> named '{name}' has a missing or repeated GUID; "
                                "codings could not be told apart.", FIX_HINT)
        seen.add(key)
        found.append(_Code(key, name, parent, normalise_colour(element.get("color")),
                           parse_description(_child_text(element, "Description") or ""),
                           _refs(element)))
        for child in _children(element, "Code"):
            visit(child, key, level + 1)

    for book in _children(root, "CodeBook"):
        for codes in _children(book, "Codes"):
            for code in _children(codes, "Code"):
                visit(code, None)
    return found


def _codebooks(reader: _Reader, root: ET.Element, codes: list[_Code], sidecar: dict,
               project_name: str) -> tuple[tuple[CodebookSpec, ...], dict[str, tuple[str, str]]]:
    """Group codes into codebooks (qualcode's own Sets, else one codebook) and give keys."""
    books: list[dict] = []
    membership: dict[str, str] = {}
    meta = {_guid(b.get("set")): b for b in sidecar.get("codebooks", []) if isinstance(b, dict)}
    for holder in _children(root, "Sets"):
        for element in _children(holder, "Set"):
            info = meta.get(_guid(element.get("guid")))
            if not info or not isinstance(info.get("slug"), str):
                continue
            books.append(info)
            for member in _refs(element, "MemberCode"):
                membership.setdefault(member, info["slug"])
    default_slug = slugify(project_name)[:90] or "imported"
    taken = {b["slug"] for b in books}
    if any(c.guid not in membership for c in codes):
        slug, n = default_slug, 2
        while slug in taken:
            slug, n = f"{default_slug}-{n}", n + 1
        books.append({"slug": slug, "name": project_name, "version": "1", "languages": None,
                      "description": f"Codes imported from {reader.path.name}"})
        default_slug = slug
    by_guid = {c.guid: c for c in codes}
    for code in codes:
        code.codebook = membership.get(code.guid, default_slug)
    used: dict[str, set[str]] = {}
    for code in codes:  # embedded keys first
        key = code.fields.get("key")
        keys = used.setdefault(code.codebook, set())
        if isinstance(key, str) and KEY_PATTERN.match(key) and len(key) <= MAX_KEY and key not in keys:
            code.key = key
            keys.add(key)
    for code in codes:
        if code.key:
            continue
        keys = used.setdefault(code.codebook, set())
        base = (slugify(code.name) or "code")[:MAX_KEY - 8]
        key, n = base, 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        code.key = key
        keys.add(key)
    specs = []
    for book in books:
        mine = [c for c in codes if c.codebook == book["slug"]]
        if not mine:
            continue
        code_specs = []
        for c in mine:
            parent = by_guid.get(c.parent) if c.parent else None
            shortcut = c.fields.get("shortcut")
            code_specs.append(CodeSpec(
                key=c.key, label_en=_clip(c.name, MAX_NAME),
                label_sv=_clip(str(c.fields["label_sv"]), MAX_NAME) if c.fields.get("label_sv") else None,
                parent=parent.key if parent and parent.codebook == c.codebook else None,
                definition=str(c.fields["definition"]), inclusion=str(c.fields["inclusion"]),
                exclusion=str(c.fields["exclusion"]),
                examples=tuple(c.fields["examples"]),  # type: ignore[arg-type]
                colour=c.colour,
                shortcut=shortcut if isinstance(shortcut, str) and len(shortcut) == 1 else None))
        languages = book.get("languages")
        if not (isinstance(languages, list) and languages and all(isinstance(x, str) for x in languages)):
            languages = ["en", "sv"] if any(s.label_sv for s in code_specs) else ["en"]
        specs.append(CodebookSpec(
            slug=_clip(str(book["slug"]), 100), name=_clip(str(book.get("name") or book["slug"]), 200),
            version=_clip(str(book.get("version") or "1"), 50), languages=tuple(languages),
            description=str(book.get("description") or ""), codes=tuple(code_specs)))
    return tuple(specs), {c.guid: (c.codebook, c.key) for c in codes}


# ------------------------------------------------------------------ sources


def _codings_of(element: ET.Element) -> list[tuple[str, str, datetime | None, list[str]]]:
    result = []
    for coding in _children(element, "Coding"):
        refs = _refs(coding, "CodeRef")
        result.append((refs[0] if refs else "", coding.get("creatingUser") or "",
                       _time(coding.get("creationDateTime")), _refs(coding)))
    return result


def _read_text_source(reader: _Reader, element: ET.Element, name: str) -> _Source | None:
    """A TextSource (or a text representation of another source) with its selections."""
    what = f"{element.tag} '{name}'"
    raw = reader.internal(element.get("plainTextPath"), what) if element.get("plainTextPath") else None
    text: str | None = None
    reliable = True
    if raw is not None:
        text, encoding = _decode(raw)
        if encoding:
            reader.notice(what, f"plain text read as {encoding}", skipped=False)
    if text is None:
        inline = _child_text(element, "PlainTextContent")
        if inline:
            text = inline
    if text is None and element.get("richTextPath"):
        text = _rich_text(reader, element.get("richTextPath"), what)
        reliable = False
    if text is None:
        reader.notice(what, "has no text qualcode can read (no plain text, no .docx); not imported")
        return None
    source = _Source(_guid(element.get("guid")), name, text, created_at=_time(element.get("creationDateTime")),
                     positions_reliable=reliable, notes=_refs(element))
    for selection in _children(element, "PlainTextSelection"):
        try:
            start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
        except ValueError:
            reader.notice(f"{what}, selection {selection.get('guid')}", "positions are not whole numbers; "
                          "not imported")
            continue
        source.selections.append(_Selection(_guid(selection.get("guid")), start, end,
                                            [(c, u or selection.get("creatingUser") or element.get("creatingUser") or "", t, n)
                                             for c, u, t, n in _codings_of(selection)], _refs(selection)))
    source.whole = [(c, u or element.get("creatingUser") or "", t, n) for c, u, t, n in _codings_of(element)]
    return source


def _rich_text(reader: _Reader, reference: str | None, what: str) -> str | None:
    raw = reader.internal(reference, what)
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
            name = (element.get("name") or "").strip() or _guid(element.get("guid"))
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


def _variable(reader: _Reader, element: ET.Element, into: dict[str, str]) -> None:
    refs = _refs(element, "VariableRef")
    variable = reader.variables.get(refs[0]) if refs else None
    if variable is None:
        reader.notice("VariableValue", f"refers to an unknown variable {refs[0] if refs else '(none)'}; "
                      "not imported")
        return
    for child in element:
        if child.tag.endswith("Value") and child.tag != "VariableRef":
            into[_clip(variable, MAX_ATTRIBUTE_KEY)] = (child.text or "").strip()
            return


def _positions(source: _Source) -> tuple[str, list[int] | None, bool]:
    """The stored text, and how raw positions move when ``\\r\\n`` becomes ``\\n``.

    Returns ``(text, crlf, counted_as_one)``: ``crlf`` are the indices of each ``\\r``
    of a ``\\r\\n`` (None when there is none); ``counted_as_one`` says the source's tool
    counted ``\\r\\n`` as one character, so positions need no mapping.
    """
    raw = source.raw
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "\r\n" not in raw:
        return text, None, False
    crlf = [m.start() for m in re.finditer("\r\n", raw)]
    bounds = [p for s in source.selections for p in (s.start, s.end)]
    beyond = any(p > len(text) for p in bounds)
    inside = any(0 < p < len(raw) and raw[p - 1] == "\r" and raw[p] == "\n" for p in bounds)
    return text, crlf, inside and not beyond


# ------------------------------------------------------------------ public


def read_qdpx(path: Path | str, *, limits: ZipLimits = DEFAULT_LIMITS,
              default_coder: str = DEFAULT_CODER) -> tuple[ExchangeProject, list[ImportNotice]]:
    """Read a ``.qdpx`` file into what qualcode can hold, plus notices of the rest."""
    path = Path(path)
    with open_archive(path, limits) as archive:
        reader = _Reader(path, archive, default_coder)
        root = reader.parse_qde()
        sidecar = reader.sidecar()
        reader.read_users(root)
        project_name = (root.get("name") or "").strip() or path.stem
        codes = _read_codes(root)
        codebooks, code_keys = _codebooks(reader, root, codes, sidecar, project_name)
        reader.foreign = not (root.get("origin") or "").startswith("qualcode")
        reader.variables = {
            _guid(v.get("guid")): (v.get("name") or "").strip() or _guid(v.get("guid"))
            for holder in _children(root, "Variables") for v in _children(holder, "Variable")}
        sources = _read_sources(reader, root)
        notes = _read_notes(reader, root)
        project = _assemble(reader, root, project_name, codebooks, codes, code_keys, sources, notes,
                            sidecar)
    return project, reader.notices


def _read_notes(reader: _Reader, root: ET.Element) -> dict[str, tuple[str, str, str | None, datetime | None]]:
    notes = {}
    for holder in _children(root, "Notes"):
        for note in _children(holder, "Note"):
            key = _guid(note.get("guid"))
            title = (note.get("name") or "").strip()
            text = _child_text(note, "PlainTextContent")
            if text is None and note.get("plainTextPath"):
                raw = reader.internal(note.get("plainTextPath"), f"Note '{title}'")
                text = _decode(raw)[0] if raw is not None else None
            if text is None:
                text = _child_text(note, "Description") or ""
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if not text.strip():
                text = title
            elif reader.foreign and title and title not in text:
                text = f"{title}\n\n{text}"  # other tools' note names carry meaning
            if not text.strip():
                reader.notice(f"Note {key}", "is empty; not imported")
                continue
            notes[key] = (title, text, note.get("creatingUser"), _time(note.get("creationDateTime")))
    return notes


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
    extras = sidecar.get("documents", {}) if isinstance(sidecar.get("documents"), dict) else {}
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
        title, text, user, when = found
        memos.append(ExchangeMemo(kind, target, prefix + text, reader.coder(user) if user else None,
                                  title or None, when))

    for source in sources:
        text, crlf, counted_as_one = _positions(source)
        name = _unique(source.name, names)
        by_source[source.guid] = name
        what = f"TextSource '{source.name}'"
        if crlf and counted_as_one and source.selections:
            reader.notice(what, "its positions count a line break (\\r\\n) as one character; "
                          "used as they are", skipped=False)
        extra = extras.get(source.guid) if isinstance(extras.get(source.guid), dict) else {}
        turns = _turns(extra.get("turns"), len(text)) if extra else None
        for note_key in source.notes:
            memo(note_key, "document", name)
        for code_guid, user, when, coding_notes in source.whole:
            if code_guid not in code_keys:
                reader.notice(what, f"a coding of the whole source refers to an unknown code {code_guid}; "
                              "not imported")
                continue
            slug, key = code_keys[code_guid]
            for note_key in coding_notes:
                memo(note_key, "coding", len(codings))
            codings.append(ExchangeCoding(name, slug, key, reader.coder(user, reader.project_user),
                                          0, len(text), when))
        if source.selections and not source.positions_reliable:
            reader.notice(what, f"{len(source.selections)} selection(s) not imported (no plain text "
                          "to count their positions in)")
        for selection in source.selections if source.positions_reliable else ():
            start, end = selection.start, selection.end
            if crlf and not counted_as_one:
                start -= bisect_left(crlf, start)
                end -= bisect_left(crlf, end)
            where = f"{what}, selection {selection.guid}"
            if not 0 <= start < end <= len(text):
                reader.notice(where, f"positions {selection.start}-{selection.end} are outside the "
                              f"text ({len(text)} characters) or empty; not imported")
                continue
            if not selection.codings:
                for note_key in selection.notes:
                    memo(note_key, "document", name, f"On «{text[start:end][:200]}»:\n")
                continue
            first = len(codings)
            for code_guid, user, when, coding_notes in selection.codings:
                if code_guid not in code_keys:
                    reader.notice(where, f"a coding refers to an unknown code {code_guid}; not imported")
                    continue
                slug, key = code_keys[code_guid]
                for note_key in coding_notes:
                    memo(note_key, "coding", len(codings))
                codings.append(ExchangeCoding(name, slug, key, reader.coder(user, reader.project_user),
                                              start, end, when))
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
            created_at=source.created_at))
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
                           created_at=_time(root.get("creationDateTime")))


def _turns(data: object, length: int) -> tuple[ParsedTurn, ...] | None:
    """Turns from qualcode's sidecar; None when absent or not consistent with the text."""
    if not isinstance(data, list):
        return None
    turns = []
    try:
        for item in data:
            start, end, speaker, start_time, end_time = item
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length):
                return None
            turns.append(ParsedTurn(str(speaker) if speaker else None, start, end,
                                    float(start_time) if start_time is not None else None,
                                    float(end_time) if end_time is not None else None))
    except (TypeError, ValueError):
        return None
    return tuple(turns)


def _apply_cases(reader: _Reader, root: ET.Element, documents: list[ExchangeDocument],
                 by_source: dict[str, str]) -> None:
    """Case variables become attributes of the documents the case refers to."""
    index = {d.name: i for i, d in enumerate(documents)}
    for holder in _children(root, "Cases"):
        for case in _children(holder, "Case"):
            name = case.get("name") or _guid(case.get("guid"))
            values: dict[str, str] = {}
            for value in _children(case, "VariableValue"):
                _variable(reader, value, values)
            targets = [by_source[g] for g in _refs(case, "SourceRef") if g in by_source]
            if _refs(case, "SelectionRef"):
                reader.notice(f"Case '{name}'", "refers to selections; qualcode keeps attributes per "
                              "document, so those references were not imported")
            if values and not targets:
                reader.notice(f"Case '{name}'", "has variable values but refers to no imported text "
                              "source; its values were not imported")
            for target in targets:
                document = documents[index[target]]
                attributes = dict(document.attributes)
                for key, value in values.items():
                    if key in attributes and attributes[key] != value:
                        reader.notice(f"Case '{name}'", f"variable '{key}' of '{target}' is already "
                                      f"'{attributes[key]}'; the value '{value}' was not imported")
                        continue
                    attributes[key] = value
                documents[index[target]] = ExchangeDocument(
                    document.name, document.text, document.format, document.language, attributes,
                    document.turns, document.speakers, document.created_at)


def summarise(notices: Iterable[ImportNotice]) -> list[str]:
    """Notices as lines for a report."""
    return [str(n) for n in notices]
