"""Markdown transcripts (.md) with optional YAML front matter.

A file may open with a ``---`` line, ``key: value`` lines and a closing ``---`` (or
``...``) line. Those keys become document attributes (values as strings: dates as
dates as written, lists joined with ", ", nested keys joined with dots). The stored text is
the body after the front matter, without the blank lines that directly follow it;
markdown markup is kept as written. Turns are found from the speaker labels,
including bold ones such as ``**Anna:**``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError
from qualcode.importers import safe_yaml
from qualcode.importers.decoding import decode_bytes
from qualcode.importers.turns import detect_turns

_OPENING = re.compile(r"---[ \t]*\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")


def read(raw: bytes, path: Path) -> ParsedDocument:
    """Parse the bytes of a .md transcript."""
    text, encoding = decode_bytes(raw, path)
    attributes, body = split_front_matter(text, path)
    if not body.strip():
        raise SourceFileError(f"{path}: the file has front matter but no transcript text.",
                              "Put the transcript after the closing '---' line.")
    return ParsedDocument(
        name=path.stem,
        text=body,
        format="md",
        turns=detect_turns(body),
        attributes=attributes,
        language=attributes.get("language") or None,
        source_path=str(path),
        encoding=encoding,
    )


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, str], str]:
    """``(attributes, body)``; a file without front matter has no attributes."""
    opening = _OPENING.match(text)
    if opening is None:
        return {}, text
    closing = _CLOSING.search(text, opening.end())
    if closing is None:
        raise SourceFileError(
            f"{path}:1: the front matter opened with '---' is never closed.",
            "End the front matter with a line holding only '---', or remove the first line.")
    source = text[opening.end():closing.start()]
    try:
        data = safe_yaml.load(source)
    except yaml.YAMLError as exc:
        line = safe_yaml.problem_line(exc, source, first_line=2)
        problem = safe_yaml.problem_text(exc)
        raise SourceFileError(f"{path}:{line}: the front matter is not valid YAML ({problem}).",
                              "Write one 'key: value' per line; quote values holding ': '.") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourceFileError(f"{path}:2: the front matter must be 'key: value' lines.",
                              "Write one 'key: value' per line between the '---' lines.")
    attributes: dict[str, str] = {}
    _flatten(data, "", attributes)
    after = text.find("\n", closing.end())
    body = "" if after < 0 else text[after + 1:]
    leading = _LEADING_BLANK_LINES.match(body)
    if leading is not None:
        body = body[leading.end():]
    return attributes, body


def _flatten(data: dict[Any, Any], prefix: str, into: dict[str, str]) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", into)
        elif value is not None:
            into[name] = attribute_text(value)


def attribute_text(value: Any) -> str:
    """A YAML value as the string an attribute holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(attribute_text(v) for v in value)
    return str(value)
