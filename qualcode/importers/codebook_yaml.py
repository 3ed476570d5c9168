"""Reading codebook YAML files into :class:`CodebookSpec`.

This module owns the YAML codebook format: what keys exist, which are required, and
the checks a file must pass. A bad file is never half-loaded: every problem found is
collected, each as ``file:line: what is wrong``, and reported together in one
:class:`CodebookError`, so a researcher can fix a whole file in one pass.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from qualcode.core.codebook import COLOUR_PATTERN, MAX_CODE_DEPTH, CodebookSpec, CodeSpec
from qualcode.errors import CodebookError, SourceFileError
from qualcode.importers import safe_yaml
from qualcode.importers.reading import read_regular_file
from qualcode.importers.safe_yaml import SafeTextLoader

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MAX_ID_LENGTH = 64

LANGUAGES = ("sv", "en")
TOP_LEVEL_KEYS = ("codebook", "codes")
CODEBOOK_KEYS = ("id", "name", "version", "languages", "description")
CODE_KEYS = ("id", "label", "parent", "definition", "inclusion", "exclusion",
             "examples", "example", "colour", "shortcut")
LABEL_KEYS = ("en", "sv")
# Keys the coding screen keeps for itself (quit, undo, memo, next, search, help).
RESERVED_SHORTCUTS = frozenset("qumn/?")

HINT = ("Fix each line listed above. The format is described in codebooks/README.md; "
        "codebooks/template.yaml is a commented example to copy.")


# ------------------------------------------------------------------ YAML with lines


class _Mapping(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers where it and each of its values start."""

    line: int
    key_lines: dict[Any, int]
    raw: dict[Any, str]
    repeated: list[tuple[Any, int, int]]


class _Sequence(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers where each item starts."""

    line: int
    item_lines: list[int]


class _LineLoader(SafeTextLoader):
    """Bounded safe loading (see importers.safe_yaml), plus 1-based line numbers on every mapping and sequence."""


def _construct_mapping(loader: _LineLoader, node: MappingNode):  # type: ignore[no-untyped-def]
    data = _Mapping()
    data.line = node.start_mark.line + 1
    data.key_lines, data.raw, data.repeated = {}, {}, []
    yield data
    data.update(loader.construct_mapping(node))
    for key_node, value_node in node.value:  # merge keys are flattened by now
        key = loader.construct_object(key_node)
        line = value_node.start_mark.line + 1
        if key in data.key_lines:
            data.repeated.append((key, data.key_lines[key], key_node.start_mark.line + 1))
        data.key_lines[key] = line
        if isinstance(value_node, ScalarNode):
            data.raw[key] = value_node.value


def _construct_sequence(loader: _LineLoader, node: SequenceNode):  # type: ignore[no-untyped-def]
    data = _Sequence()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _line_of(value: Any, default: int) -> int:
    return getattr(value, "line", default)


def _is_container(value: Any) -> bool:
    """Values already reported as 'must be text', so not reported again as missing."""
    return isinstance(value, dict | list | bytes)


def _key_line(mapping: Any, key: str) -> int:
    lines = getattr(mapping, "key_lines", {})
    return lines.get(key, _line_of(mapping, 1))


# ------------------------------------------------------------------ public API


def load_codebook(path: Path) -> CodebookSpec:
    """Read and check a codebook file; raise :class:`CodebookError` listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        data = read_regular_file(path, what="codebook file")
    except SourceFileError as error:
        raise _single(source, error.message, error.hint or "Check the path; shipped codebooks are in codebooks/.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data[:offset].count(b"\n") + 1
        bad = data[offset:offset + 1].hex().upper()
        raise _single(source, f"{source}:{line}: not UTF-8 text (byte 0x{bad})",
                      "Save the file as UTF-8 (most editors offer this under 'Save as' or 'Encoding').") from None
    return parse_codebook(text, source)


def parse_codebook(text: str, source: str) -> CodebookSpec:
    """Check codebook YAML given as text; ``source`` names it in messages."""
    document = _parse_yaml(text, source)
    checker = _Checker(source)
    spec = checker.check(document)
    if checker.problems or spec is None:
        count = len(checker.problems)
        raise CodebookError(f"Codebook {source} has {count} problem{'s' if count != 1 else ''}.",
                            HINT, checker.problems)
    return spec


def _single(source: str, problem: str, hint: str | None) -> CodebookError:
    return CodebookError(f"Codebook {source} has 1 problem.", hint or HINT, [problem])


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return safe_yaml.load(text, _LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        column = f" (column {mark.column + 1})" if mark else ""
        what = " ".join(str(p) for p in (error.context, error.problem) if p) or "syntax error"
        started = error.context_mark
        if started is not None and mark is not None and started.line != mark.line:
            what += f" (the construct began on line {started.line + 1})"
        problem = f"{source}:{line}: not valid YAML{column}: {what}"
    except yaml.reader.ReaderError as error:
        problem = f"{source}:{safe_yaml.problem_line(error, text)}: not valid YAML: {safe_yaml.problem_text(error)}"
    except yaml.YAMLError as error:
        problem = f"{source}:1: not valid YAML: {error}"
    except RecursionError:
        problem = f"{source}:1: not valid YAML: nested too deeply"
    raise _single(source, problem, "Check indentation and quoting near that line; text with "
                  "':' or a leading '#' must be in quotes.")


# ------------------------------------------------------------------ checking


@dataclass
class _Checker:
    """Walks the parsed document, collecting problems instead of stopping at the first."""

    source: str
    found: list[tuple[int, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Problems in line order (checks of the whole tree run last but read best in place)."""
        return [f"{self.source}:{line}: {what}" for line, what in sorted(self.found, key=lambda p: p[0])]

    def add(self, line: int, what: str) -> None:
        self.found.append((line, what))

    def repeated_keys(self, mapping: Any, where: str) -> None:
        for key, first, again in getattr(mapping, "repeated", []):
            self.add(again, f"key '{key}' appears twice in {where} (first on line {first}); keep one")

    def unknown_keys(self, mapping: dict[Any, Any], known: tuple[str, ...], where: str) -> None:
        for key in mapping:
            if key in known:
                continue
            guess = difflib.get_close_matches(str(key), known, n=1)
            maybe = f" (did you mean '{guess[0]}'?)" if guess else ""
            self.add(_key_line(mapping, key),
                     f"unknown key '{key}' in {where}{maybe}; known keys: {', '.join(known)}")

    def text(self, mapping: dict[Any, Any], key: str, where: str) -> str | None:
        """A scalar as text (numbers and dates as written), or None when absent or null."""
        if key not in mapping or mapping[key] is None:
            return None
        value = mapping[key]
        if isinstance(value, str):
            return value.strip()
        if _is_container(value):
            self.add(_key_line(mapping, key), f"'{key}' of {where} must be text, not a "
                     f"{'list' if isinstance(value, list) else 'mapping' if isinstance(value, dict) else 'binary value'}")
            return None
        raw = getattr(mapping, "raw", {}).get(key)
        return (raw if raw is not None else str(value)).strip()

    # ---------------------------------------------------------------- top level

    def check(self, document: Any) -> CodebookSpec | None:
        if document is None:
            self.add(1, "the file is empty; it needs a 'codebook:' mapping and a 'codes:' list")
            return None
        if not isinstance(document, dict):
            kind = "a list" if isinstance(document, list) else "a single value"
            self.add(_line_of(document, 1), f"the file is {kind}; it must be a mapping with "
                     "the keys 'codebook:' and 'codes:'")
            return None
        self.repeated_keys(document, "the top level")
        self.unknown_keys(document, TOP_LEVEL_KEYS, "the top level")
        header = self.header(document)
        codes = self.codes(document)
        if header is None or codes is None:
            return None
        slug, name, version, languages, description = header
        return CodebookSpec(slug=slug, name=name, version=version, languages=languages,
                            description=description, codes=codes)

    def header(self, document: dict[Any, Any]) -> tuple[str, str, str, tuple[str, ...], str] | None:
        book = document.get("codebook")
        if "codebook" not in document:
            self.add(_line_of(document, 1), "missing 'codebook:' mapping with id, name, version, languages")
            return None
        if not isinstance(book, dict):
            self.add(_key_line(document, "codebook"),
                     "'codebook:' must be a mapping with id, name, version, languages, description")
            return None
        self.repeated_keys(book, "'codebook'")
        self.unknown_keys(book, CODEBOOK_KEYS, "'codebook'")
        slug = self.text(book, "id", "codebook")
        if not slug:
            if not _is_container(book.get("id")):
                self.add(_line_of(book, 1), "codebook has no 'id' (a slug such as 'loose-coupling')")
        elif not SLUG_PATTERN.fullmatch(slug) or len(slug) > MAX_ID_LENGTH:
            self.add(_key_line(book, "id"), f"codebook id '{slug}' is not a slug: use lowercase "
                     "letters a-z and digits joined by single dashes, e.g. 'quality-steering'")
        name = self.text(book, "name", "codebook")
        if not name and not _is_container(book.get("name")):
            self.add(_line_of(book, 1), "codebook has no 'name' (a title shown to coders)")
        version = self.text(book, "version", "codebook") or "1"
        description = self.text(book, "description", "codebook") or ""
        languages = self.languages(book)
        return (slug or "", name or "", version, languages, description)

    def languages(self, book: dict[Any, Any]) -> tuple[str, ...]:
        if book.get("languages") is None:
            return ("en",)
        raw = book["languages"]
        items = [raw] if not isinstance(raw, list) else list(raw)
        lines = getattr(raw, "item_lines", None) or [_key_line(book, "languages")] * len(items)
        found: list[str] = []
        for line, item in zip(lines, items, strict=False):
            if not isinstance(item, str) or item.strip().lower() not in LANGUAGES:
                self.add(line, f"unknown language {item!r}; use {' or '.join(LANGUAGES)}")
            elif item.strip().lower() not in found:
                found.append(item.strip().lower())
        return tuple(found) or ("en",)

    # ---------------------------------------------------------------- codes

    def codes(self, document: dict[Any, Any]) -> tuple[CodeSpec, ...] | None:
        if "codes" not in document:
            self.add(_line_of(document, 1), "missing 'codes:' list")
            return None
        items = document["codes"]
        if not isinstance(items, list):
            self.add(_key_line(document, "codes"), "'codes:' must be a list of codes, each starting with '- id:'")
            return None
        if not items:
            self.add(_key_line(document, "codes"), "'codes:' is empty; a codebook needs at least one code")
            return None
        lines = getattr(items, "item_lines", [_key_line(document, "codes")] * len(items))
        specs: list[tuple[CodeSpec, int, dict[Any, Any]]] = []
        seen: dict[str, int] = {}
        for line, item in zip(lines, items, strict=False):
            spec = self.code(item, line, seen)
            if spec is not None:
                specs.append((spec, line, item))
        self.parents(specs, seen)
        self.shortcuts(specs)
        return tuple(spec for spec, _, _ in specs)

    def code(self, item: Any, line: int, seen: dict[str, int]) -> CodeSpec | None:
        if not isinstance(item, dict):
            self.add(line, "each code must be a mapping starting with '- id:', not "
                     f"{'a list' if isinstance(item, list) else repr(item)}")
            return None
        line = _line_of(item, line)
        self.repeated_keys(item, "this code")
        self.unknown_keys(item, CODE_KEYS, "a code")
        key = self.text(item, "id", "code")
        if not key:
            if not _is_container(item.get("id")):
                self.add(line, "code has no 'id' (a short stable key such as 'lc.tight')")
            key = None
        else:
            if not CODE_ID_PATTERN.fullmatch(key) or len(key) > MAX_ID_LENGTH:
                self.add(_key_line(item, "id"), f"code id '{key}' has characters that are not allowed: "
                         "use lowercase letters a-z, digits, '.', '-' and '_', starting with a letter "
                         f"or digit, at most {MAX_ID_LENGTH} characters")
            if key in seen:
                self.add(_key_line(item, "id"), f"code id '{key}' is already used on line {seen[key]}")
            else:
                seen[key] = _key_line(item, "id")
        where = f"code '{key}'" if key else "code"
        label_en, label_sv = self.label(item, where)
        definition = self.text(item, "definition", where)
        if not definition and not _is_container(item.get("definition")):
            self.add(line, f"{where} has no 'definition' (say what the code means)")
        examples = self.examples(item, where)
        colour = self.colour(item, where)
        shortcut = self.shortcut(item, where)
        parent = self.text(item, "parent", where)
        if key is None:
            return None
        return CodeSpec(key=key, label_en=label_en or key, label_sv=label_sv, parent=parent or None,
                        definition=definition or "", inclusion=self.text(item, "inclusion", where) or "",
                        exclusion=self.text(item, "exclusion", where) or "", examples=examples,
                        colour=colour, shortcut=shortcut)

    def label(self, item: dict[Any, Any], where: str) -> tuple[str | None, str | None]:
        value = item.get("label")
        if isinstance(value, dict):
            self.repeated_keys(value, f"the label of {where}")
            self.unknown_keys(value, LABEL_KEYS, f"the label of {where}")
            label_en = self.text(value, "en", f"label of {where}")
            label_sv = self.text(value, "sv", f"label of {where}")
        elif isinstance(value, list):
            self.add(_key_line(item, "label"), f"label of {where} must be a mapping with 'en:' and 'sv:'")
            return None, None
        else:
            label_en, label_sv = self.text(item, "label", where), None
        if not label_en and not (isinstance(value, dict) and _is_container(value.get("en"))):
            self.add(_key_line(item, "label"), f"{where} has no English label (label: en: ...)")
        return label_en or None, label_sv or None

    def examples(self, item: dict[Any, Any], where: str) -> tuple[str, ...]:
        if "examples" in item and "example" in item:
            self.add(_key_line(item, "example"), f"{where} has both 'examples' and 'example'; keep one")
        if "example" in item:
            one = self.text(item, "example", where)
            return (one,) if one else ()
        value = item.get("examples")
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),) if value.strip() else ()
        if not isinstance(value, list):
            self.add(_key_line(item, "examples"), f"'examples' of {where} must be a list of texts")
            return ()
        lines = getattr(value, "item_lines", [_key_line(item, "examples")] * len(value))
        found = []
        for line, example in zip(lines, value, strict=False):
            if isinstance(example, str) and example.strip():
                found.append(example.strip())
            elif isinstance(example, int | float) and not isinstance(example, bool):
                found.append(str(example))
            else:
                self.add(line, f"example of {where} must be a non-empty text")
        return tuple(found)

    def colour(self, item: dict[Any, Any], where: str) -> str | None:
        if "colour" in item and item["colour"] is None:
            self.add(_key_line(item, "colour"), f"colour of {where} is empty; a '#' starts a YAML "
                     "comment, so put the colour in quotes: colour: \"#1F77B4\"")
            return None
        colour = self.text(item, "colour", where)
        if colour is None:
            return None
        if not COLOUR_PATTERN.fullmatch(colour):
            self.add(_key_line(item, "colour"), f"colour '{colour}' of {where} is not '#RRGGBB' "
                     "(a '#' and six hex digits, in quotes)")
            return None
        return colour.upper()

    def shortcut(self, item: dict[Any, Any], where: str) -> str | None:
        shortcut = item.get("shortcut")
        if shortcut is None:
            return None
        if not isinstance(shortcut, str):
            shortcut = getattr(item, "raw", {}).get("shortcut", repr(shortcut))
        line = _key_line(item, "shortcut")
        if len(shortcut) != 1 or not shortcut.isprintable() or shortcut.isspace():
            self.add(line, f"shortcut {shortcut!r} of {where} must be a single visible character")
            return None
        if shortcut.lower() in RESERVED_SHORTCUTS:
            self.add(line, f"shortcut '{shortcut}' of {where} is reserved by the coding screen "
                     f"(reserved: {' '.join(sorted(RESERVED_SHORTCUTS))}); pick another key")
            return None
        return shortcut

    # ---------------------------------------------------------------- whole tree

    def parents(self, specs: list[tuple[CodeSpec, int, dict[Any, Any]]], seen: dict[str, int]) -> None:
        parent_of: dict[str, str] = {}
        for spec, _, item in specs:
            if spec.parent is None:
                continue
            if spec.parent not in seen:
                close = difflib.get_close_matches(spec.parent, list(seen), n=1)
                maybe = f" (did you mean '{close[0]}'?)" if close else ""
                self.add(_key_line(item, "parent"),
                         f"parent '{spec.parent}' of code '{spec.key}' is not a code in this file{maybe}")
            elif seen.get(spec.key) == _key_line(item, "id"):  # only the first of duplicated ids
                parent_of[spec.key] = spec.parent
        lines: dict[str, int] = {}
        for spec, _, item in specs:
            lines.setdefault(spec.key, _key_line(item, "parent"))
        # Each code is walked up once: a code whose depth is known stops every later walk,
        # so a long chain costs its length, not its length squared.
        depth: dict[str, int] = {}
        for start in parent_of:
            path: list[str] = []
            on_path: set[str] = set()
            node: str | None = start
            while node is not None and node not in depth and node not in on_path:
                path.append(node)
                on_path.add(node)
                node = parent_of.get(node)
            if node is not None and node in on_path:  # a new cycle, from node back to node
                cycle = path[path.index(node):]
                self.add(lines[node], "parents form a cycle: " + " -> ".join([*cycle, node])
                         + "; one of these codes must have another parent or none")
                for member in cycle:
                    depth[member] = -1
                path = path[:path.index(node)]
            below = 0 if node is None else depth[node]
            for member in reversed(path):
                below = -1 if below < 0 else below + 1
                depth[member] = below
        too_deep = [key for key, levels in depth.items() if levels > MAX_CODE_DEPTH]
        if too_deep:
            deepest = max(too_deep, key=lambda key: depth[key])
            self.add(lines[deepest], f"code '{deepest}' is nested {depth[deepest]} levels deep "
                     f"({len(too_deep)} code{'s' if len(too_deep) != 1 else ''} deeper than "
                     f"{MAX_CODE_DEPTH}); give these codes a parent nearer the top")

    def shortcuts(self, specs: list[tuple[CodeSpec, int, dict[Any, Any]]]) -> None:
        taken: dict[str, tuple[str, int]] = {}
        for spec, _, item in specs:
            if spec.shortcut is None:
                continue
            line = _key_line(item, "shortcut")
            if spec.shortcut in taken:
                other, first = taken[spec.shortcut]
                self.add(line, f"shortcut '{spec.shortcut}' of code '{spec.key}' is already used by "
                         f"'{other}' on line {first}")
            else:
                taken[spec.shortcut] = (spec.key, line)
