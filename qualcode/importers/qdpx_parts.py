"""The parts of a REFI-QDA project read straight from its XML: codes, notes, cases.

Split from :mod:`.qdpx`, which owns the archive, the sources and their positions. Here
are the small XML helpers both use, the code tree and how codes become codebooks (other
tools' descriptions kept as written, qualcode's own fields read back from the sidecar),
the notes that become memos, the case variables that become document attributes, and
the notices for what qualcode has no place for (sets, links, graphs, selection
descriptions).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from qualcode.core.codebook import MAX_CODE_DEPTH, CodebookSpec, CodeSpec
from qualcode.core.exchange import ExchangeDocument
from qualcode.core.model import ParsedTurn
from qualcode.errors import ExchangeError
from qualcode.importers.qdc import KEY_PATTERN, parse_description, slugify
from qualcode.importers.qdc import _colour as normalise_colour

if TYPE_CHECKING:
    from qualcode.importers.qdpx import _Reader

FIX_HINT = "Export the project again from its QDA tool as a REFI-QDA project (.qdpx)."
# Lengths the project store allows (PostgreSQL enforces them).
MAX_NAME = 300
MAX_CODER = 100
MAX_KEY = 200
MAX_ATTRIBUTE_KEY = 100
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")

# ------------------------------------------------------------------ helpers


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def original_guid(value: str | None) -> str | None:
    """The GUID as the file wrote it (for re-export), when it is a valid one."""
    text = (value or "").strip()
    return text.strip("{}") if _GUID.match(text) else None


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
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        try:
            return raw.decode("utf-32"), "UTF-32"
        except UnicodeDecodeError:
            pass
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
    original: str | None = None


def _foreign_fields(description: str) -> dict[str, object]:
    """Another tool's description is the definition, exactly as written."""
    return {"definition": description.replace("\r\n", "\n").strip(), "inclusion": "", "exclusion": "",
            "examples": (), "key": None, "label_sv": None, "shortcut": None}


def _read_codes(root: ET.Element, foreign: bool = True, extras: dict | None = None) -> list[_Code]:
    """Every code, parents first. qualcode's own files keep their fields in the sidecar
    (``extras``, by GUID) or, in older files, in labelled lines of the description."""
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
        description = _child_text(element, "Description") or ""
        fields = _foreign_fields(description) if foreign else parse_description(description)
        extra = (extras or {}).get(key)
        if isinstance(extra, dict):
            for name_ in ("key", "label_sv", "shortcut"):
                if isinstance(extra.get(name_), str):
                    fields[name_] = extra[name_]
        found.append(_Code(key, name, parent, normalise_colour(element.get("color")), fields,
                           _refs(element), original=original_guid(element.get("guid"))))
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
                members = len(list(element))
                reader.notice(f"Set '{element.get('name') or _guid(element.get('guid'))}'",
                              f"a set of {members} member(s); qualcode has no sets, so it was not "
                              "imported (its members were)")
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


def _report_unsupported(reader: _Reader, root: ET.Element) -> None:
    """Links, graphs and selection descriptions: listed, with counts, as not imported."""
    for holder in _children(root, "Links"):
        links = _children(holder, "Link")
        if links:
            reader.notice("Links", f"{len(links)} link(s) between objects; qualcode has no links, so "
                          "they were not imported")
    for holder in _children(root, "Graphs"):
        graphs = _children(holder, "Graph")
        if graphs:
            reader.notice("Graphs", f"{len(graphs)} graph(s) (network views); not imported")
    described = [s for s in root.iter("PlainTextSelection") if (_child_text(s, "Description") or "").strip()]
    if described:
        reader.notice("PlainTextSelection descriptions",
                      f"{len(described)} selection(s) carry a description (a quotation comment); "
                      "qualcode has no place for it, so the descriptions were not imported "
                      "(the selections were)")


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


def _read_notes(reader: _Reader, root: ET.Element
                ) -> dict[str, tuple[str, str, str | None, datetime | None, str | None]]:
    """Notes by normalised GUID: title, text, user, time and the GUID as written."""
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
            notes[key] = (title, text, note.get("creatingUser"), _time(note.get("creationDateTime")),
                         original_guid(note.get("guid")))
    return notes


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
                    document.turns, document.speakers, document.created_at, document.guid)


