"""Double-coding rounds and adjudication decisions written by hand (the demo's record).

A rounds file lists samples as they were drawn (name, coders, size, stratifying
attribute, seed, earlier samples excluded, the set of documents drawn from) and the
documents the draw gave; its ``sets`` are those sets with their members, so that a
draw is made from the documents that existed when it was first made. An
adjudication file lists decisions on disagreements by document, code key and a quote
inside the disagreeing passage, so that no database id is written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import SourceFileError
from qualcode.importers.anchored_codings import load_with_lines

DECISIONS = ("accept", "both", "neither")


@dataclass(frozen=True)
class RoundSpec:
    name: str
    coders: tuple[str, ...]
    size: int
    seed: int
    stratify_by: str | None
    supervisor: str | None
    exclude: tuple[str, ...]
    documents: tuple[str, ...]
    clarification: str | None = None  # a memo file recorded before the round was drawn
    line: int = 0
    drawn_from: str | None = None  # the set (in the file's 'sets') the round was drawn from


@dataclass(frozen=True)
class RecordedSet:
    """A set of documents as it was when a round was drawn from it."""

    name: str
    documents: tuple[str, ...]
    description: str = ""
    line: int = 0


@dataclass(frozen=True)
class Decision:
    document: str
    code: str
    quote: str
    decision: str
    coder: str | None = None
    note: str | None = None
    line: int = 0


def _names(path: Path, line: int, value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SourceFileError(f"{path}:{line}: '{what}' must be a list of names.")
    return tuple(v.strip() for v in value)


def read_round_sets(path: Path) -> tuple[RecordedSet, ...]:
    """The sets of documents a rounds file records (none if it has no 'sets')."""
    return _round_sets(path, load_with_lines(path))


def _round_sets(path: Path, data: object) -> tuple[RecordedSet, ...]:
    entries = data.get("sets", []) if isinstance(data, dict) else []
    if not isinstance(entries, list):
        raise SourceFileError(f"{path}: 'sets' must be a list of sets, each with a 'name' and 'documents'.")
    found = []
    for entry in entries:
        line = entry.get("__line__", 0) if isinstance(entry, dict) else 0
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourceFileError(f"{path}:{line}: each set needs a 'name'.")
        documents = _names(path, line, entry.get("documents"), "documents")
        if not documents:
            raise SourceFileError(f"{path}:{line}: set '{entry['name']}' needs its 'documents'.")
        found.append(RecordedSet(str(entry["name"]), documents, str(entry.get("description") or ""), line))
    return tuple(found)


def read_rounds(path: Path) -> tuple[RoundSpec, ...]:
    data = load_with_lines(path)
    if not isinstance(data, dict) or not isinstance(data.get("rounds"), list):
        raise SourceFileError(f"{path}: expected a mapping with a list of 'rounds'.")
    known_sets = {s.name for s in _round_sets(path, data)}
    found = []
    for entry in data["rounds"]:
        line = entry.get("__line__", 0) if isinstance(entry, dict) else 0
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourceFileError(f"{path}:{line}: each round needs a 'name'.")
        for key in ("size", "seed"):
            if not isinstance(entry.get(key), int) or isinstance(entry.get(key), bool):
                raise SourceFileError(f"{path}:{line}: round '{entry['name']}' needs a whole number '{key}'.")
        coders = _names(path, line, entry.get("coders"), "coders")
        if len(coders) < 2:
            raise SourceFileError(f"{path}:{line}: round '{entry['name']}' needs two or more coders.")
        drawn_from = entry.get("drawn_from")
        if drawn_from is not None and str(drawn_from) not in known_sets:
            raise SourceFileError(f"{path}:{line}: round '{entry['name']}' is drawn from the set "
                                  f"'{drawn_from}', which the file's 'sets' do not list.",
                                  "List the set under 'sets' with the documents it held.")
        found.append(RoundSpec(str(entry["name"]), coders, entry["size"], entry["seed"],
                               entry.get("stratify_by"), entry.get("supervisor"),
                               _names(path, line, entry.get("exclude"), "exclude"),
                               _names(path, line, entry.get("documents"), "documents"),
                               entry.get("clarification"), line,
                               str(drawn_from) if drawn_from is not None else None))
    return tuple(found)


def read_decisions(path: Path) -> tuple[str, str, tuple[Decision, ...]]:
    """The sample, the supervisor and the decisions of an adjudication file."""
    data = load_with_lines(path)
    if not isinstance(data, dict) or not data.get("sample") or not data.get("supervisor") \
            or not isinstance(data.get("decisions"), list):
        raise SourceFileError(f"{path}: expected 'sample', 'supervisor' and a list of 'decisions'.")
    decisions = []
    for entry in data["decisions"]:
        line = entry.get("__line__", 0) if isinstance(entry, dict) else 0
        if not isinstance(entry, dict) or not all(entry.get(k) for k in ("document", "code", "quote", "decision")):
            raise SourceFileError(f"{path}:{line}: each decision needs 'document', 'code', 'quote' and 'decision'.")
        if entry["decision"] not in DECISIONS:
            raise SourceFileError(f"{path}:{line}: unknown decision '{entry['decision']}'.",
                                  f"Use one of: {', '.join(DECISIONS)}.")
        if entry["decision"] == "accept" and not entry.get("coder"):
            raise SourceFileError(f"{path}:{line}: 'accept' needs the 'coder' whose coding is kept.")
        decisions.append(Decision(str(entry["document"]), str(entry["code"]), str(entry["quote"]),
                                  str(entry["decision"]), entry.get("coder"), entry.get("note"), line))
    return str(data["sample"]), str(data["supervisor"]), tuple(decisions)
