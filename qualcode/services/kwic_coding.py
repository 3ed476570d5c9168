"""Coding from a concordance: one code applied to the chosen KWIC lines at once.

The lines are numbered from 1 in the order the concordance shows them (reading
order, or ``sort``), so a researcher reads ``qualcode kwic`` and names the lines to
code. Each line's passage is the sentence its match stands in (what a coder would
mark), with ``unit="match"`` the matched words alone, or with ``unit="turn"`` the
speaker's whole turn. Lines in one passage make one coding, and a passage the coder
already coded with that code is left as it is. Everything is one transaction and one
event, so one ``undo`` takes it back. The command line names lines by number
(:func:`code_concordance`); the workbench hands over the lines a coder marked
(:func:`code_lines`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.core.codebook import Code
from qualcode.core.model import Coding
from qualcode.services.codebook import resolve_code
from qualcode.services.coding import apply_many_in, coder_id_for
from qualcode.services.words import KwicLine, Selection, WordsError, index_words, kwic_in
from qualcode.storage.store import Store

UNITS = ("sentence", "match", "turn")


@dataclass(frozen=True)
class ConcordanceCoding:
    query: str
    code: str
    unit: str
    lines: list[int]  # the line numbers coded (1-based, as the concordance shows them)
    codings: list[Coding]  # the new codings
    already_coded: int  # passages that had the code from this coder already
    total_lines: int


def parse_lines(text: str) -> list[int]:
    """'1,3-5' -> [1, 3, 4, 5]; an error that says where for anything else."""
    chosen: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        first, dash, last = part.partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise WordsError(f"'{part}' in --lines is not a line number or a range.",
                             "Give numbers and ranges as the concordance shows them, e.g. --lines 1,3-5.") from None
        if low < 1 or high < low:
            raise WordsError(f"'{part}' in --lines is not a range of lines.", "Lines count from 1, e.g. 3-5.")
        chosen.update(range(low, high + 1))
    return sorted(chosen)


def code_concordance(store: Store, query: str, code: str, coder: str, selection: Selection | None = None, *,
                     lines: Sequence[int] | None = None, lemma: bool = False, sort: str | None = None,
                     unit: str = "sentence", codebook: str | None = None) -> ConcordanceCoding:
    """Apply ``code`` to the passages of the chosen concordance lines (all when ``lines`` is None)."""
    _check_unit(unit)
    index_words(store)
    with store.unit_of_work() as uow:
        target = resolve_code(uow, code, codebook)  # an unknown code fails before anything else
        page = kwic_in(uow, query, selection, lemma=lemma, sort=sort, limit=None)
        numbers = list(range(1, len(page.lines) + 1)) if lines is None else sorted(set(lines))
        outside = [n for n in numbers if not 1 <= n <= len(page.lines)]
        if outside:
            raise WordsError(f"The concordance of '{query}' has {len(page.lines)} lines; there is no line {outside[0]}.",
                             "Number the lines as 'qualcode kwic' shows them, with the same --sort and filters.")
        made, already = _code_in(uow, [page.lines[n - 1] for n in numbers], target, coder, unit)
    return ConcordanceCoding(query, target.key, unit, numbers, made, already, len(page.lines))


def code_lines(store: Store, lines: Sequence[KwicLine], code: str, coder: str, *, unit: str = "sentence",
               codebook: str | None = None) -> ConcordanceCoding:
    """Apply ``code`` to the passages of concordance lines already shown (the workbench's marked lines)."""
    _check_unit(unit)
    if not lines:
        raise WordsError("No concordance lines chosen.", "Mark the lines to code first.")
    with store.unit_of_work() as uow:
        target = resolve_code(uow, code, codebook)
        made, already = _code_in(uow, lines, target, coder, unit)
    return ConcordanceCoding("", target.key, unit, list(range(1, len(lines) + 1)), made, already, len(lines))


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise WordsError(f"Cannot code the '{unit}' of a line.", "Use --unit sentence, match or turn.")


def _code_in(uow, lines: Sequence[KwicLine], target: Code, coder: str,  # type: ignore[no-untyped-def]
             unit: str) -> tuple[list[Coding], int]:
    """(codings made, passages already coded) for ``lines``, in the caller's transaction."""
    spans: list[tuple[int, int, int]] = []
    pieces: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
    for line in lines:
        span = _passage(uow, line, unit, pieces)
        if span not in spans:
            spans.append(span)
    coder_id = coder_id_for(uow, coder)
    have = {(c.document_id, c.start, c.end) for doc in {s[0] for s in spans}
            for c in uow.codings.for_document(doc, [coder_id]) if c.code_id == target.id}
    new = [s for s in spans if s not in have]
    made = apply_many_in(uow, new, target, coder_id)
    return made, len(spans) - len(new)


def _passage(uow, line: KwicLine, unit: str,  # type: ignore[no-untyped-def]
             cache: dict[int, tuple[list[int], list[tuple[int, int]]]]) -> tuple[int, int, int]:
    """The sentence (or turn) around a line's match; the match itself where none holds it."""
    if unit in ("sentence", "turn"):
        if line.document_id not in cache:
            found = ([(s.start, s.end) for s in uow.documents.segments(line.document_id)] if unit == "sentence"
                     else [(t.start, t.end) for t in uow.documents.turns(line.document_id)])
            found.sort()
            cache[line.document_id] = ([s for s, _ in found], found)
        starts, found = cache[line.document_id]
        at = bisect.bisect_right(starts, line.start) - 1
        if at >= 0 and found[at][0] <= line.start and line.end <= found[at][1]:
            return line.document_id, found[at][0], found[at][1]
    return line.document_id, line.start, line.end
