"""A methods summary in Markdown: what the corpus holds, which codebooks and coders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO


@dataclass(frozen=True)
class CorpusBreakdown:
    """Documents, speakers and words per value of one attribute."""

    attribute: str
    rows: tuple[tuple[str, int, int, int], ...]  # value, documents, speakers, words


@dataclass(frozen=True)
class MethodsSummary:
    project: str
    documents: int
    words: int
    sentences: int
    speakers: int
    breakdowns: tuple[CorpusBreakdown, ...] = ()
    codebooks: tuple[tuple[str, str, str, int, int], ...] = ()  # slug, name, version, codes, codings
    coders: tuple[tuple[str, int, int], ...] = ()  # name, documents coded, codings
    notes: tuple[str, ...] = field(default_factory=tuple)


def _n(value: int) -> str:
    """Thousands separated by a thin space, as journals in both languages accept."""
    return f"{value:,}".replace(",", "\u2009")


def write_methods(summary: MethodsSummary, stream: IO[str]) -> None:
    out = [f"# Methods summary: {summary.project}", "",
           f"The corpus holds {summary.documents} transcripts ({_n(summary.words)} words, "
           f"{_n(summary.sentences)} sentences, {summary.speakers} speakers).", ""]
    for breakdown in summary.breakdowns:
        out += [f"## Corpus by {breakdown.attribute}", "",
                f"| {breakdown.attribute} | documents | speakers | words |", "|---|---:|---:|---:|"]
        out += [f"| {v} | {d} | {s} | {w} |" for v, d, s, w in breakdown.rows]
        out.append("")
    out += ["## Codebooks", "", "| codebook | name | version | codes | codings |", "|---|---|---|---:|---:|"]
    out += [f"| {slug} | {name} | {version} | {codes} | {codings} |"
            for slug, name, version, codes, codings in summary.codebooks]
    out += ["", "## Coders", "", "| coder | documents coded | codings |", "|---|---:|---:|"]
    out += [f"| {name} | {docs} | {codings} |" for name, docs, codings in summary.coders]
    out.append("")
    out += [*summary.notes, ""] if summary.notes else []
    stream.write("\n".join(out))
