"""REFI-QDA codebook import (``.qdc``): files from qualcode and from other QDA tools.

Parsing goes through defusedxml, so entity bombs and external references are refused.
Files written by :mod:`qualcode.exporters.qdc` give back every field of their codes
(inclusion, exclusion and examples from labelled lines of the description; the key,
Swedish label and shortcut from the ``<?qualcode ...?>`` instruction, found by GUID,
or from ``Key:`` lines where older exports wrote them) and the codebook's name and
version. Files from NVivo,
ATLAS.ti, MAXQDA or QualCoder usually carry only names, nesting, perhaps a colour and
a free description: the description becomes the definition and keys are made from
the names. Code sets (``<Sets>``) are ignored.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.sax
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import InputSource, Locator

import defusedxml
import defusedxml.sax

from qualcode.core.codebook import MAX_CODE_DEPTH, CodebookSpec, CodeSpec
from qualcode.errors import ExchangeError

NAMESPACE_PREFIX = "urn:QDA-XML:codebook:"  # 1.0 officially; 1:0 and 0:4 seen in the wild
PI_TARGET = "qualcode"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HEADER = re.compile(r"^(Inclusion|Exclusion|Examples?|Key|Swedish label|Shortcut)[ \t]*:[ \t]?(.*)$",
                     re.IGNORECASE)
_FIELD_OF = {"inclusion": "inclusion", "exclusion": "exclusion", "example": "examples",
             "examples": "examples", "key": "key", "swedish label": "label_sv",
             "shortcut": "shortcut"}
_HEX = re.compile(r"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
FIX_HINT = "Export the codebook again from its tool as a REFI-QDA codebook (.qdc)."


# ------------------------------------------------------------------ parsing


@dataclass
class _Node:
    """An element as far as import needs it: name, attributes, text, where it starts."""

    namespace: str | None
    tag: str
    attributes: dict[str, str]
    line: int | None
    text: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


class _TreeBuilder(ContentHandler):
    """Build a small tree with line numbers (ElementTree keeps none)."""

    def __init__(self) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.root: _Node | None = None
        self.stack: list[_Node] = []
        self.metadata: str | None = None

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 (SAX API)
        self.locator = locator

    def line(self) -> int | None:
        return self.locator.getLineNumber() if self.locator else None

    def startElementNS(self, name, qname, attrs) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        namespace, tag = name
        attributes = {local: value for (uri, local), value in attrs.items() if not uri}
        node = _Node(namespace, tag, attributes, self.line())
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElementNS(self, name, qname) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].text.append(content)

    def processingInstruction(self, target: str, data: str) -> None:  # noqa: N802
        if target == PI_TARGET and self.metadata is None:
            self.metadata = data


def _parse(path: Path) -> _TreeBuilder:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ExchangeError(f"{path}: no such file.", "Check the path.") from exc
    except OSError as exc:
        raise ExchangeError(f"Cannot read {path}: {exc.strerror}.", "Check the path and its permissions.") from exc
    if data.startswith(b"PK\x03\x04"):
        raise ExchangeError(f"{path} is a zip archive (a .qdpx project?), not a codebook.",
                            "Export only the codebook from the other tool, as a .qdc file.")
    builder = _TreeBuilder()
    parser = defusedxml.sax.make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(builder)
    source = InputSource(str(path))
    source.setByteStream(BytesIO(data))
    try:
        parser.parse(source)
    except xml.sax.SAXParseException as exc:
        raise ExchangeError(f"{path}:{exc.getLineNumber()}: not well-formed XML "
                            f"(column {exc.getColumnNumber() + 1}: {exc.getMessage()}).",
                            FIX_HINT) from exc
    except defusedxml.DefusedXmlException as exc:
        raise ExchangeError(f"{path}:{builder.line() or 1}: refused unsafe XML ({exc}).",
                            "Codebook files must not declare entities or point to external "
                            "resources; export the codebook again from its tool.") from exc
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise ExchangeError(f"{path}: its XML declaration names an encoding that does not exist ({exc}).",
                            "Save the file as UTF-8 (encoding=\"UTF-8\" in its first line). " + FIX_HINT) from exc
    except (ValueError, UnicodeError) as exc:
        raise ExchangeError(f"{path}: cannot be decoded as XML ({exc}).", FIX_HINT) from exc
    return builder


# ------------------------------------------------------------ descriptions


def parse_description(text: str) -> dict[str, object]:
    """Split a description into the definition and the labelled fields it carries.

    Lines before the first label line are the definition. A label line starts at
    column 0 (``Inclusion:``, ``Exclusion:``, ``Examples:``, ``Key:``, ``Swedish
    label:``, ``Shortcut:``); the lines after it, up to the next label line, continue
    its value, with a two-space indent removed. Under ``Examples:`` each ``- `` line
    starts an example. A description with no label lines is all definition.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sections: list[tuple[str, list[str]]] = [("definition", [])]
    for line in lines:
        match = _HEADER.match(line)
        if match:
            name = _FIELD_OF[match.group(1).lower()]
            value = match.group(2).strip()
            if name != "key" or KEY_PATTERN.match(value):
                sections.append((name, [match.group(2)]))
                continue
        sections[-1][1].append(line)
    result: dict[str, object] = {"definition": "", "inclusion": "", "exclusion": "",
                                 "examples": (), "key": None, "label_sv": None, "shortcut": None}
    for name, raw in sections:
        if name == "examples":
            result["examples"] = tuple(result["examples"]) + _examples(raw)  # type: ignore[arg-type]
            continue
        if name == "definition":  # written as is: never indented, so never dedented
            value = "\n".join(raw).strip()
        else:
            value = "\n".join(raw[:1] + [_dedent(line) for line in raw[1:]]).strip()
        if name in ("definition", "inclusion", "exclusion"):
            previous = str(result[name])
            result[name] = f"{previous}\n{value}".strip() if previous else value
        elif value:
            result[name] = value
    return result


def _dedent(line: str) -> str:
    return line[2:] if line.startswith("  ") else line


def _examples(raw: list[str]) -> tuple[str, ...]:
    first, rest = raw[0].strip(), raw[1:]
    items: list[list[str]] = [[first]] if first else []
    for line in rest:
        bullet = re.match(r"^[-*\u2022]\s+(.*)$", line)
        if bullet:
            items.append([bullet.group(1)])
        elif items:
            items[-1].append(_dedent(line))
        elif line.strip():
            items.append([line.strip()])
    return tuple(text for text in ("\n".join(item).strip() for item in items) if text)


# ----------------------------------------------------------------- codes


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens (``Åtgärdsplan 2`` -> ``atgardsplan-2``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _colour(value: str | None) -> str | None:
    """``#RRGGBB`` in upper case; ``#RGB`` is widened; anything else is dropped."""
    if not value:
        return None
    match = _HEX.match(value.strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits.upper()


@dataclass
class _Found:
    node: _Node
    parent: _Found | None
    name: str
    fields: dict[str, object]
    key: str = ""


def _collect(path: Path, codes_node: _Node) -> list[_Found]:
    """Every ``Code`` in document order (parents before children)."""
    found: list[_Found] = []
    guids: dict[str, int | None] = {}

    def visit(node: _Node, parent: _Found | None, level: int) -> None:
        where = f"{path}:{node.line}" if node.line else str(path)
        name = (node.attributes.get("name") or "").strip()
        if level > MAX_CODE_DEPTH:
            raise ExchangeError(f"{where}: code '{name}' is nested more than {MAX_CODE_DEPTH} levels deep.",
                                "Move deeply nested codes nearer the top in the other tool, then export again.")
        if not name:
            raise ExchangeError(f"{where}: a <Code> has no name.",
                                "Every code needs a name attribute; fix the file or export it again.")
        guid = (node.attributes.get("guid") or "").strip().strip("{}").lower()
        if not guid:
            raise ExchangeError(f"{where}: code '{name}' has no guid.", FIX_HINT)
        if guid in guids:
            first = guids[guid]
            raise ExchangeError(f"{where}: code '{name}' repeats the GUID {guid}"
                                + (f" of the code on line {first}." if first else "."),
                                "Every code needs its own GUID; export the codebook again.")
        guids[guid] = node.line
        description = "".join(
            "".join(child.text) for child in node.children
            if child.tag == "Description" and child.namespace == node.namespace)
        item = _Found(node, parent, name, parse_description(description))
        found.append(item)
        for child in node.children:
            if child.tag == "Code" and child.namespace == node.namespace:
                visit(child, item, level + 1)

    for child in codes_node.children:
        if child.tag == "Code" and child.namespace == codes_node.namespace:
            visit(child, None, 1)
    return found


def _identities(meta: dict[str, object]) -> dict[str, dict[str, str]]:
    """qualcode's own code fields from the instruction, by normalised GUID."""
    codes = meta.get("codes")
    if not isinstance(codes, dict):
        return {}
    return {str(guid).strip().strip("{}").lower(): {k: v for k, v in fields.items()
                                                   if isinstance(v, str) and v.strip()}
            for guid, fields in codes.items() if isinstance(fields, dict)}


def _apply_identities(found: list[_Found], identities: dict[str, dict[str, str]]) -> None:
    """Give codes the key, Swedish label and shortcut the instruction kept for them.

    Keys the instruction holds are machine-written; one that is malformed or already
    taken is passed over (the code gets a key from its name) rather than refused.
    """
    taken = {item.fields["key"] for item in found if isinstance(item.fields["key"], str)}
    for item in found:
        guid = (item.node.attributes.get("guid") or "").strip().strip("{}").lower()
        fields = identities.get(guid, {})
        key = fields.get("key", "").strip()
        if key and item.fields["key"] is None and KEY_PATTERN.match(key) and key not in taken:
            item.fields["key"] = key
            taken.add(key)
        for name in ("label_sv", "shortcut"):
            if name in fields and item.fields[name] is None:
                item.fields[name] = fields[name].strip()


def _assign_keys(path: Path, found: list[_Found]) -> None:
    """Keep embedded keys; make unique ones from names for the rest."""
    used: dict[str, int | None] = {}
    for item in found:
        key = item.fields["key"]
        if isinstance(key, str):
            if key in used:
                raise ExchangeError(
                    f"{path}:{item.node.line}: code '{item.name}' repeats the key '{key}'"
                    + (f" of the code on line {used[key]}." if used[key] else "."),
                    "Each 'Key:' line in the descriptions must be unique; change or remove one.")
            used[key] = item.node.line
            item.key = key
    for item in found:
        if item.key:
            continue
        base = slugify(item.name) or "code"
        key, number = base, 2
        while key in used:
            key, number = f"{base}-{number}", number + 1
        used[key] = item.node.line
        item.key = key


# ------------------------------------------------------------------ public


def read_qdc(path: Path | str, slug: str | None = None) -> CodebookSpec:
    """Read a REFI-QDA codebook file into a :class:`CodebookSpec`.

    The slug is ``slug`` if given, else the one qualcode embedded when it wrote the
    file, else the file name without its extension, slugified.
    """
    path = Path(path)
    builder = _parse(path)
    root = builder.root
    if root is None:  # pragma: no cover - the parser refuses documents without an element
        raise ExchangeError(f"{path}: the file has no XML element.", FIX_HINT)
    namespace = root.namespace or ""
    if root.tag != "CodeBook" or not namespace.startswith(NAMESPACE_PREFIX):
        found = f"<{root.tag}>" + (f" in namespace '{namespace}'" if namespace else " without a namespace")
        hint = ("This looks like a REFI-QDA project, not a codebook; export the codebook alone (.qdc)."
                if root.tag == "Project" else FIX_HINT)
        raise ExchangeError(f"{path}:{root.line}: expected a REFI-QDA codebook "
                            f"(<CodeBook> in namespace 'urn:QDA-XML:codebook:1.0'), found {found}.",
                            hint)
    codes_nodes = [c for c in root.children if c.tag == "Codes" and c.namespace == root.namespace]
    found = _collect(path, codes_nodes[0]) if codes_nodes else []
    if not found:
        raise ExchangeError(f"{path}:{root.line}: the codebook has no codes.",
                            "A REFI-QDA codebook needs <Codes> with at least one <Code>.")
    meta = _metadata(builder.metadata)
    _apply_identities(found, _identities(meta))
    _assign_keys(path, found)
    codes = tuple(
        CodeSpec(
            key=item.key,
            label_en=item.name,
            label_sv=item.fields["label_sv"],  # type: ignore[arg-type]
            parent=item.parent.key if item.parent else None,
            definition=str(item.fields["definition"]),
            inclusion=str(item.fields["inclusion"]),
            exclusion=str(item.fields["exclusion"]),
            examples=tuple(item.fields["examples"]),  # type: ignore[arg-type]
            colour=_colour(item.node.attributes.get("color")),
            shortcut=item.fields["shortcut"],  # type: ignore[arg-type]
        )
        for item in found)
    languages = meta.get("languages")
    if not (isinstance(languages, list) and languages and all(isinstance(x, str) for x in languages)):
        languages = ["en", "sv"] if any(c.label_sv for c in codes) else ["en"]
    return CodebookSpec(
        slug=(slug or "").strip() or _text(meta, "slug") or slugify(path.stem) or "codebook",
        name=_text(meta, "name") or path.stem,
        version=_text(meta, "version") or "1",
        languages=tuple(languages),
        description=_text(meta, "description", strip=False) or "",
        codes=codes,
    )


def _metadata(data: str | None) -> dict[str, object]:
    """The codebook fields qualcode embeds; a damaged instruction is simply not used."""
    if not data:
        return {}
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(meta: dict[str, object], name: str, *, strip: bool = True) -> str | None:
    value = meta.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() if strip else value
