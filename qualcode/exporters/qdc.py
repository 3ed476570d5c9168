"""REFI-QDA codebook export (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``).

The standard gives a code only a GUID, a name, a colour and a free-text description,
and its schema has no extension point. The description is what a co-author's tool
shows, so it holds only what people read: the definition, then the inclusion,
exclusion and examples as labelled plain-text lines (a code imported from another
tool gets back exactly the description it came with). qualcode's own fields (the
codebook's slug, name and version, each code's key, Swedish label and shortcut) travel
in one ``<?qualcode ...?>`` processing instruction before the root element, which
validating tools ignore and :mod:`qualcode.importers.qdc` reads back; codes are found
there by GUID. GUIDs are those kept from an imported project where there are any, else
derived from the codebook slug and the code key, so exporting the same codebook twice
gives the same bytes.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from typing import IO

from qualcode.core.codebook import COLOUR_PATTERN, CodebookSpec, CodeSpec
from qualcode.errors import ExportError

NAMESPACE = "urn:QDA-XML:codebook:1.0"
PI_TARGET = "qualcode"
ORIGIN = "qualcode"
# Fixed namespace for uuid5: changing it would change every exported GUID.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://qualcode.invalid/refi-qda/codebook")

# Characters XML 1.0 cannot carry at all; they are dropped rather than written.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Labels of the structured lines in a code description (shared with the importer).
INCLUSION = "Inclusion"
EXCLUSION = "Exclusion"
EXAMPLES = "Examples"
KEY = "Key"
LABEL_SV = "Swedish label"
SHORTCUT = "Shortcut"


def code_guid(slug: str, key: str) -> str:
    """A GUID that stays the same for the same codebook and code key."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{slug}/{key}"))


def describe(code: CodeSpec, *, identity: bool = True) -> str:
    """The plain-text description: the definition, then one labelled line per field.

    Continuation lines of a multi-line value are indented by two spaces so that they
    can never be mistaken for a label line. ``identity=False`` leaves out the key,
    Swedish label and shortcut lines (exports keep them beside the XML), so
    a code from another tool gets back exactly the description it came with.
    """
    parts: list[str] = []
    if code.definition.strip():
        parts.append(code.definition.strip())
        parts.append("")
    fields: list[str] = []
    if code.inclusion.strip():
        fields.append(_field(INCLUSION, code.inclusion))
    if code.exclusion.strip():
        fields.append(_field(EXCLUSION, code.exclusion))
    examples = [e for e in code.examples if e.strip()]
    if examples:
        fields.append(f"{EXAMPLES}:")
        fields.extend(_indented("- " + e.strip()) for e in examples)
    if identity:
        fields.append(f"{KEY}: {code.key}")
        if code.label_sv:
            fields.append(_field(LABEL_SV, code.label_sv))
        if code.shortcut:
            fields.append(_field(SHORTCUT, code.shortcut))
    if not fields and parts:
        parts.pop()  # no blank line after a definition that stands alone
    return _NOT_XML.sub("", "\n".join(parts + fields))


def _field(label: str, value: str) -> str:
    return _indented(f"{label}: {value.strip()}")


def _indented(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join([lines[0]] + [("  " + line) if line.strip() else "" for line in lines[1:]])


def _colour(code: CodeSpec) -> str | None:
    if not code.colour:
        return None
    if not COLOUR_PATTERN.match(code.colour):
        raise ExportError(f"Code '{code.key}' has colour '{code.colour}', which is not #RRGGBB.",
                          "Fix the colour in the codebook, e.g. #1F77B4.")
    return code.colour.upper()


def _metadata(spec: CodebookSpec, identities: dict[str, dict[str, str]]) -> str:
    data = {"slug": spec.slug, "name": spec.name, "version": spec.version,
            "languages": list(spec.languages), "description": spec.description,
            "codes": identities}
    # No '>' may appear in a processing instruction's data ('?>' would end it);
    # inside JSON strings it can be written as an escape instead.
    return _NOT_XML.sub("", json.dumps(data, ensure_ascii=False).replace(">", "\\u003e"))


def _identity(code: CodeSpec) -> dict[str, str]:
    """The fields of a code that only qualcode reads (written beside the XML)."""
    found = {"key": code.key, "label_sv": code.label_sv, "shortcut": code.shortcut}
    return {name: value for name, value in found.items() if value}


def build_tree(spec: CodebookSpec, guids: dict[str, str] | None = None,
               identities: dict[str, dict[str, str]] | None = None) -> ET.Element:
    """The ``CodeBook`` element, codes nested under their parents in file order.

    ``identities`` (if given) is filled with each code's :func:`_identity` by the GUID
    written. Tags are left unqualified and the root carries the default ``xmlns``, so every
    element lands in the codebook namespace without ElementTree's ``ns0:`` prefixes.
    """
    keys = {c.key for c in spec.codes}
    if len(keys) != len(spec.codes):
        raise ExportError(f"Codebook '{spec.slug}' has two codes with the same key.",
                          "Give every code its own key.")
    root = ET.Element("CodeBook", {"xmlns": NAMESPACE, "origin": ORIGIN})
    codes = ET.SubElement(root, "Codes")
    if not spec.codes:
        raise ExportError(f"Codebook '{spec.slug}' has no codes to export.",
                          "The REFI-QDA format needs at least one code.")
    children: dict[str | None, list[CodeSpec]] = {}
    for code in spec.codes:
        parent = code.parent if code.parent in keys and code.parent != code.key else None
        children.setdefault(parent, []).append(code)
    placed: set[str] = set()

    def add(parent_element: ET.Element, code: CodeSpec) -> None:
        placed.add(code.key)
        attributes = {"guid": (guids or {}).get(code.key) or code_guid(spec.slug, code.key),
                      "name": _NOT_XML.sub("", code.label_en),
                      "isCodable": "true"}
        colour = _colour(code)
        if colour:
            attributes["color"] = colour
        element = ET.SubElement(parent_element, "Code", attributes)
        description = describe(code, identity=False)
        if description:
            ET.SubElement(element, "Description").text = description
        if identities is not None:
            identities[attributes["guid"]] = _identity(code)
        for child in children.get(code.key, []):
            if child.key not in placed:
                add(element, child)

    for code in children.get(None, []):
        add(codes, code)
    for code in spec.codes:  # codes caught in a parent cycle: keep them, at top level
        if code.key not in placed:
            add(codes, code)
    return root


def to_bytes(spec: CodebookSpec, guids: dict[str, str] | None = None) -> bytes:
    """The whole ``.qdc`` document as UTF-8 bytes; ``guids`` are kept GUIDs by code key."""
    identities: dict[str, dict[str, str]] = {}
    root = build_tree(spec, guids, identities)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    text = ('<?xml version="1.0" encoding="utf-8"?>\n'
            f"<?{PI_TARGET} {_metadata(spec, identities)}?>\n{body}\n")
    return text.encode("utf-8")


def write_qdc(spec: CodebookSpec, stream: IO[bytes], guids: dict[str, str] | None = None) -> None:
    """Write ``spec`` as a REFI-QDA codebook to a binary stream.

    ``guids`` maps code keys to the GUIDs an imported project gave them, so another
    tool recognises its codes; other codes get GUIDs derived from slug and key.
    """
    stream.write(to_bytes(spec, guids))
