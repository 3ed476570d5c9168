"""Saved queries and sets: what a researcher names to come back to.

A saved query is a command of qualcode with its own arguments (``retrieve`` with its
code and filters, ``search`` with its words, ...), kept under a name to run again. A
set is a named group of documents, or of passages (``[start, end)`` code points of a
document's text), usable as a filter wherever documents are filtered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qualcode.errors import QualcodeError

# The commands a query may be saved from; the database checks the same list.
QUERY_KINDS = ("retrieve", "search", "kwic", "words", "keyness", "compare")
SET_KINDS = ("documents", "passages")
NAME_LIMIT = 200


@dataclass(frozen=True)
class SavedQuery:
    id: int
    name: str
    kind: str  # one of QUERY_KINDS
    args: tuple[str, ...]  # the command's own arguments, as typed after its name
    created_by: str | None  # coder name
    created_at: datetime

    def command_line(self) -> str:
        """The query as a command a user could type (arguments quoted where needed)."""
        import shlex

        return " ".join(["qualcode", self.kind, *(shlex.quote(a) for a in self.args)])


@dataclass(frozen=True)
class Passage:
    document_id: int
    start: int
    end: int


@dataclass(frozen=True)
class NamedSet:
    id: int
    name: str
    kind: str  # "documents" or "passages"
    description: str
    document_ids: tuple[int, ...]  # a document set's members, or the documents of a passage set's passages
    passages: tuple[Passage, ...]  # a passage set's members, in reading order (empty for a document set)

    @property
    def size(self) -> int:
        return len(self.passages) if self.kind == "passages" else len(self.document_ids)


def clean_name(name: str, what: str) -> str:
    """A query's or set's name, stripped; empty, overlong and option-like names refused."""
    cleaned = name.strip()
    if not cleaned:
        raise QualcodeError(f"A {what} needs a name.", "Name it, e.g. 'rektorer-om-uppfoljning'.")
    if len(cleaned) > NAME_LIMIT:
        raise QualcodeError(f"The {what} name is {len(cleaned)} characters long; at most {NAME_LIMIT} fit.",
                            "Choose a shorter name.")
    if cleaned.startswith("-"):
        raise QualcodeError(f"A {what} name cannot start with '-': '{cleaned}' reads as an option.",
                            "Choose a name that starts with a letter or digit.")
    return cleaned
