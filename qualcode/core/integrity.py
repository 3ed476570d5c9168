"""What ``qualcode check`` finds: each problem with the check that found it and where.

The checks are SQLite's own (the file's pages and indexes), FTS5's (the search index)
and qualcode's invariants (every offset inside its document, every reference to a row
that exists). The report says which checks ran and which could not, so an empty list
of problems is never mistaken for a check that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IntegrityProblem:
    check: str  # "sqlite", "foreign keys", "search index", "offsets", "references"
    where: str  # e.g. "coding 17", "page 12"
    what: str

    def line(self) -> str:
        return f"{self.check}: {self.where}: {self.what}"


@dataclass(frozen=True)
class IntegrityReport:
    project: str
    checks: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # "check: why it did not run"
    problems: tuple[IntegrityProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems
