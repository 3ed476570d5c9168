"""Codings anchored by quoted text rather than offsets, and memos named by their target.

A codings file names a coder and a document and lists codings as ``code`` + ``quote`` (+
``occurrence`` when the quote appears more than once, and an optional ``memo``).
Quotes survive edits to the transcript around them, which raw offsets would not. A memo
file lists memos by ``kind`` (project, document, code), ``target`` (a document name or a
code key), ``coder`` and ``text``, so hand-written notes need no ids either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from qualcode.errors import SourceFileError
from qualcode.importers import safe_yaml
from qualcode.importers.safe_yaml import SafeTextLoader


@dataclass(frozen=True)
class AnchoredCoding:
    code: str
    quote: str
    occurrence: int = 1
    memo: str | None = None
    line: int = 0


@dataclass(frozen=True)
class AnchoredCodings:
    path: str
    coder: str
    document: str
    codings: tuple[AnchoredCoding, ...]


class _LineLoader(SafeTextLoader):
    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass(frozen=True)
class MemoNote:
    kind: str
    target: str | None
    coder: str
    text: str
    line: int = 0


def load_with_lines(path: Path) -> object:
    """A YAML file's data, each mapping with its line as ``__line__``; errors name the file."""
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        data = safe_yaml.load(text, _LineLoader)
    except FileNotFoundError as exc:
        raise SourceFileError(f"{path}: no such file.") from exc
    except OSError as exc:
        raise SourceFileError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    except yaml.YAMLError as exc:
        raise SourceFileError(f"{path}:{safe_yaml.problem_line(exc, text)}: not valid YAML "
                              f"({safe_yaml.problem_text(exc)}).") from exc
    except UnicodeDecodeError as exc:
        raise SourceFileError(f"{path}: not UTF-8 text.", "Save the file as UTF-8.") from exc
    return data


def read_anchored_codings(path: Path) -> AnchoredCodings:
    data = load_with_lines(path)
    if not isinstance(data, dict):
        raise SourceFileError(f"{path}: expected a mapping with coder, document and codings.")
    problems = [f"missing '{key}'" for key in ("coder", "document", "codings") if not data.get(key)]
    if problems:
        raise SourceFileError(f"{path}: {', '.join(problems)}.",
                              "Each file needs 'coder', 'document' and a list of 'codings'.")
    items = []
    for entry in data["codings"]:
        line = entry.get("__line__", 0) if isinstance(entry, dict) else 0
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("quote"):
            raise SourceFileError(f"{path}:{line}: each coding needs 'code' and 'quote'.")
        occurrence = entry.get("occurrence", 1)
        if not isinstance(occurrence, int) or occurrence < 1:
            raise SourceFileError(f"{path}:{line}: 'occurrence' must be a whole number from 1.")
        items.append(AnchoredCoding(str(entry["code"]), str(entry["quote"]), occurrence,
                                    entry.get("memo"), line))
    return AnchoredCodings(str(path), str(data["coder"]), str(data["document"]), tuple(items))


def read_memo_notes(path: Path) -> tuple[MemoNote, ...]:
    """The memos of a memo file, each checked for the fields it needs."""
    data = load_with_lines(path)
    if not isinstance(data, dict) or not isinstance(data.get("memos"), list):
        raise SourceFileError(f"{path}: expected a mapping with a list of 'memos'.")
    notes = []
    for entry in data["memos"]:
        line = entry.get("__line__", 0) if isinstance(entry, dict) else 0
        if not isinstance(entry, dict) or not entry.get("kind") or not entry.get("coder") \
                or not str(entry.get("text") or "").strip():
            raise SourceFileError(f"{path}:{line}: each memo needs 'kind', 'coder' and 'text'.")
        if entry["kind"] != "project" and not entry.get("target"):
            raise SourceFileError(f"{path}:{line}: a {entry['kind']} memo needs a 'target'.",
                                  "Name the document or the code key the memo is about.")
        target = entry.get("target")
        notes.append(MemoNote(str(entry["kind"]), None if target is None else str(target),
                              str(entry["coder"]), str(entry["text"]).strip(), line))
    return tuple(notes)


def locate_quote(text: str, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
    """``[start, end)`` of the n-th occurrence of ``quote`` in ``text``, or None."""
    start = -1
    for _ in range(occurrence):
        start = text.find(quote, start + 1)
        if start < 0:
            return None
    return start, start + len(quote)
