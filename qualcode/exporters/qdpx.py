"""REFI-QDA project export (``.qdpx``): a zip of ``project.qde`` and the source texts.

What goes where:

- coders are ``<User>``s; every codebook's codes are one ``<CodeBook>`` tree (each
  ``<Description>`` is the definition, with inclusion, exclusion and examples as
  labelled lines when there are any; keys, Swedish labels and shortcuts go to the
  sidecar), and each codebook is also a ``<Set>`` of its codes, so other tools can tell
  them apart;
- each document is a ``<TextSource>`` whose text is ``sources/<guid>.txt`` (UTF-8,
  ``\\n`` line ends, no byte order mark); each coding is a ``<Coding>`` in a
  ``<PlainTextSelection>`` (codings imported in one selection share it again),
  positions in code points, start inclusive, end exclusive;
- document attributes are ``<Variable>``s (text) with a ``<Case>`` per document;
- memos are ``<Note>``s referenced from the project, the source, the code or the
  selection they are written on.

What the standard has no place for (speaker turns and their attributes, document
format and language, codebook slugs and versions) is written to ``qualcode.json`` in
the archive, which other tools ignore and :mod:`qualcode.importers.qdpx` reads back.
GUIDs an imported file gave its objects are written again, so a co-author's tool
recognises its own codes, sources, users and selections; the others are derived from
names and keys, so the same project exports to the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO

from qualcode.core.exchange import ExchangeProject
from qualcode.exporters.qdc import _colour, code_guid, describe

NAMESPACE = "urn:QDA-XML:project:1.0"
ORIGIN = "qualcode"
QDE_NAME = "project.qde"
SIDECAR_NAME = "qualcode.json"
SIDECAR_FORMAT = "qualcode-qdpx-extras"
SIDECAR_VERSION = 1
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://qualcode.invalid/refi-qda/project")
_NAMESPACE_BYTES = GUID_NAMESPACE.bytes
# A fixed timestamp for zip members keeps repeated exports byte-identical.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Progress = Callable[[int, int, str], None]


def guid(kind: str, name: str) -> str:
    """A GUID that stays the same for the same kind of object and name.

    The same value as ``str(uuid.uuid5(GUID_NAMESPACE, f"{kind}/{name}"))`` (RFC 4122
    name-based, SHA-1), computed without building a ``UUID`` object: an export derives
    two per coding, and the object costs more than the hash.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}/{name}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 cannot carry removed."""
    return _NOT_XML.sub("", text)


def timestamp(value: datetime | None) -> str | None:
    """``xsd:dateTime`` in UTC; naive times are taken as UTC (as SQLite returns them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set(element: ET.Element, name: str, value: str | None) -> None:
    if value is not None:
        element.set(name, value)


class _Guids:
    """Kept GUIDs where there are any, derived ones elsewhere; never one GUID twice."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, kept: str | None, kind: str, name: str) -> str:
        if kept and kept.lower() not in self.used:
            self.used.add(kept.lower())
            return kept
        derived, n = guid(kind, name), 1
        while derived in self.used:
            n += 1
            derived = guid(kind, f"{name}#{n}")
        self.used.add(derived)
        return derived


def build_qde(project: ExchangeProject) -> tuple[ET.Element, dict]:
    """The ``Project`` element and the sidecar data qualcode keeps beside it."""
    ids = _Guids()
    names = list(dict.fromkeys([*project.coders, *(c.coder for c in project.codings),
                                *(m.coder for m in project.memos if m.coder)]))
    users = {name: ids.take(project.coder_guids.get(name), "user", name) for name in names}

    root = ET.Element("Project", {"xmlns": NAMESPACE, "name": xml_text(project.name), "origin": ORIGIN})
    _set(root, "creationDateTime", timestamp(project.created_at))
    if users:
        users_element = ET.SubElement(root, "Users")
        for name, user_guid in users.items():
            ET.SubElement(users_element, "User", {"guid": user_guid, "name": xml_text(name)})

    notes = [(ids.take(memo.guid, "note", str(i)), memo) for i, memo in enumerate(project.memos)]
    note_refs: dict[tuple[str, object], list[str]] = {}
    for note_guid, memo in notes:
        note_refs.setdefault((memo.target_kind, memo.target), []).append(note_guid)

    def add_note_refs(element: ET.Element, kind: str, target: object) -> None:
        for note_guid in note_refs.get((kind, target), ()):
            ET.SubElement(element, "NoteRef", {"targetGUID": note_guid})

    sidecar: dict = {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "codebooks": [],
                     "documents": {}, "codes": {}}
    code_guids = _codebook(root, project, add_note_refs, ids, sidecar)
    source_guids = {d.name: ids.take(d.guid, "document", d.name) for d in project.documents}
    _cases(root, project, source_guids)
    _sources(root, project, users, code_guids, add_note_refs, sidecar, source_guids, ids)
    if notes:
        notes_element = ET.SubElement(root, "Notes")
        for note_guid, memo in notes:
            note = ET.SubElement(notes_element, "Note", {"guid": note_guid,
                                                         "name": xml_text(_note_name(memo))})
            _set(note, "creatingUser", users.get(memo.coder) if memo.coder else None)
            _set(note, "creationDateTime", timestamp(memo.created_at))
            ET.SubElement(note, "PlainTextContent").text = xml_text(memo.text)
    if project.codebooks:
        sets = ET.SubElement(root, "Sets")
        for spec in project.codebooks:
            set_guid = guid("codebook", spec.slug)
            element = ET.SubElement(sets, "Set", {"guid": set_guid, "name": xml_text(spec.name)})
            ET.SubElement(element, "Description").text = xml_text(
                f"Codebook '{spec.slug}', version {spec.version}" +
                (f": {spec.description.strip()}" if spec.description.strip() else ""))
            for code in spec.codes:
                ET.SubElement(element, "MemberCode", {"targetGUID": code_guids[(spec.slug, code.key)]})
            sidecar["codebooks"].append({
                "set": set_guid, "slug": spec.slug, "name": spec.name, "version": spec.version,
                "languages": list(spec.languages), "description": spec.description})
    add_note_refs(root, "project", None)
    return root, sidecar


def _note_name(memo) -> str:  # type: ignore[no-untyped-def]
    if memo.title:
        return memo.title
    if memo.target_kind == "document":
        return f"Memo on {memo.target}"
    if memo.target_kind == "code":
        return f"Memo on code {memo.target[1]}"
    if memo.target_kind == "coding":
        return "Memo on a coded passage"
    return "Project memo"


def _codebook(root: ET.Element, project: ExchangeProject, add_note_refs, ids: _Guids,  # type: ignore[no-untyped-def]
              sidecar: dict) -> dict[tuple[str, str], str]:
    guids: dict[tuple[str, str], str] = {}
    if not any(spec.codes for spec in project.codebooks):
        return guids
    codes_element = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
    for spec in project.codebooks:
        keys = {c.key for c in spec.codes}
        children: dict[str | None, list] = {}
        for code in spec.codes:
            parent = code.parent if code.parent in keys and code.parent != code.key else None
            children.setdefault(parent, []).append(code)

        def add(parent_element: ET.Element, code, slug: str = spec.slug, children=children) -> None:  # type: ignore[no-untyped-def]
            kept = project.code_guids.get((slug, code.key))
            code_id = kept if kept and kept.lower() not in ids.used else code_guid(slug, code.key)
            ids.used.add(code_id.lower())
            guids[(slug, code.key)] = code_id
            element = ET.SubElement(parent_element, "Code", {
                "guid": code_id, "name": xml_text(code.label_en), "isCodable": "true"})
            _set(element, "color", _colour(code))
            description = describe(code, identity=False)
            if description:
                ET.SubElement(element, "Description").text = description
            sidecar["codes"][code_id] = {"slug": slug, "key": code.key, "label_sv": code.label_sv,
                                         "shortcut": code.shortcut}
            add_note_refs(element, "code", (slug, code.key))
            for child in children.get(code.key, []):
                if (slug, child.key) not in guids:
                    add(element, child)

        for code in children.get(None, []):
            add(codes_element, code)
        for code in spec.codes:  # caught in a parent cycle: kept, at the top
            if (spec.slug, code.key) not in guids:
                add(codes_element, code)
    return guids


def _cases(root: ET.Element, project: ExchangeProject, source_guids: dict[str, str]) -> None:
    keys = sorted({k for d in project.documents for k in d.attributes})
    if not keys:
        return
    variables = ET.SubElement(root, "Variables")
    for key in keys:
        ET.SubElement(variables, "Variable", {"guid": guid("variable", key), "name": xml_text(key),
                                              "typeOfVariable": "Text"})
    cases = ET.SubElement(root, "Cases")
    for document in project.documents:
        if not document.attributes:
            continue
        case = ET.SubElement(cases, "Case", {"guid": guid("case", document.name),
                                             "name": xml_text(document.name)})
        for key, value in sorted(document.attributes.items()):
            holder = ET.SubElement(case, "VariableValue")
            ET.SubElement(holder, "VariableRef", {"targetGUID": guid("variable", key)})
            ET.SubElement(holder, "TextValue").text = xml_text(value)
        ET.SubElement(case, "SourceRef", {"targetGUID": source_guids[document.name]})


def _sources(root: ET.Element, project: ExchangeProject, users: dict[str, str],  # type: ignore[no-untyped-def]
             code_guids: dict[tuple[str, str], str], add_note_refs, sidecar: dict,
             source_guids: dict[str, str], ids: _Guids) -> None:
    if not project.documents:
        return
    by_document: dict[str, list[list[int]]] = {}
    shared: dict[tuple[str, str, int, int], list[int]] = {}
    for index, coding in enumerate(project.codings):
        groups = by_document.setdefault(coding.document, [])
        if coding.selection_guid:
            key = (coding.document, coding.selection_guid.lower(), coding.start, coding.end)
            if key in shared:
                shared[key].append(index)
                continue
            shared[key] = [index]
            groups.append(shared[key])
        else:
            groups.append([index])
    sources = ET.SubElement(root, "Sources")
    for document in project.documents:
        source_guid = source_guids[document.name]
        source = ET.SubElement(sources, "TextSource", {
            "guid": source_guid, "name": xml_text(document.name),
            "plainTextPath": f"internal://{source_guid}.txt"})
        _set(source, "creationDateTime", timestamp(document.created_at))
        for group in by_document.get(document.name, ()):
            first = project.codings[group[0]]
            coder = users[first.coder]
            when = timestamp(first.created_at)
            selection = ET.SubElement(source, "PlainTextSelection", {
                "guid": ids.take(first.selection_guid, "selection", str(group[0])), "name": "",
                "startPosition": str(first.start), "endPosition": str(first.end),
                "creatingUser": coder})
            _set(selection, "creationDateTime", when)
            for index in group:
                coding = project.codings[index]
                coding_guid = ids.take(coding.guid, "coding", str(index))
                if coding.weight is not None:  # REFI-QDA has no weight: kept in the sidecar
                    sidecar.setdefault("weights", {})[coding_guid] = coding.weight
                element = ET.SubElement(selection, "Coding", {
                    "guid": coding_guid, "creatingUser": users[coding.coder]})
                _set(element, "creationDateTime", timestamp(coding.created_at))
                ET.SubElement(element, "CodeRef", {"targetGUID": code_guids[(coding.codebook, coding.code)]})
            for index in group:
                add_note_refs(selection, "coding", index)
        add_note_refs(source, "document", document.name)
        sidecar["documents"][source_guid] = {
            "name": document.name, "format": document.format, "language": document.language,
            "turns": [[t.start, t.end, t.speaker, t.start_time, t.end_time] for t in document.turns],
            "speakers": document.speakers,
        }


def write_qdpx(project: ExchangeProject, stream: IO[bytes], *, progress: Progress | None = None) -> None:
    """Write ``project`` as a ``.qdpx`` archive to a binary, seekable stream."""
    root, sidecar = build_qde(project)
    source_guids = {d["name"]: g for g, d in sidecar["documents"].items()}
    if len(project.codings) <= 20_000:  # indenting a huge tree costs seconds and helps no one
        ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    qde = ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")
    total = len(project.documents) + 2
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write(archive, QDE_NAME, qde)
        for done, document in enumerate(project.documents, start=1):
            _write(archive, f"sources/{source_guids[document.name]}.txt", document.text.encode("utf-8"))
            if progress:
                progress(done, total, document.name)
        _write(archive, SIDECAR_NAME, json.dumps(sidecar, ensure_ascii=False, indent=1).encode("utf-8"))
    if progress:
        progress(total, total, QDE_NAME)


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
