"""Cutting a document into paragraphs and sentences, the units coders select.

Segmentation uses spaCy's blank pipeline for the language (tokenizer only) plus the
rule-based ``sentencizer``: no statistical model, so it is fast and gives the same
result on every machine. The pipeline is built once per language and shared.

Units never cross structure: paragraphs are blocks between blank lines inside one
turn, and sentences are found inside one paragraph, so no sentence ever spans two
speakers. Text before the first turn (a title, a note from the transcriber) is
segmented too, with no turn. Text between turns is taken to be speaker labels and is
not segmented. All offsets are absolute ``[start, end)`` positions in the document
text, trimmed of whitespace and never empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from qualcode.core.model import ParsedTurn
from qualcode.errors import SourceFileError
from qualcode.importers.turns import find_labels, strip_span

Unit = tuple[int, int, int | None]  # start, end, index of the turn (None outside turns)

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BATCH_SIZE = 256
# spaCy refuses longer texts by default because parsers need memory per character;
# the tokenizer and sentencizer do not, and transcripts can be long.
_MAX_LENGTH = 2**30


@cache
def _pipeline(language: str) -> Language:
    try:
        nlp = spacy.blank(language)
    except (ImportError, KeyError, ValueError) as exc:
        raise SourceFileError(f"Language '{language}' is not supported for segmentation.",
                              "Use --language sv or --language en.") from exc
    nlp.add_pipe("sentencizer")
    nlp.max_length = _MAX_LENGTH
    return nlp


class Segmenter:
    """Paragraph and sentence segmentation for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._nlp = _pipeline(language)

    def paragraphs(self, text: str, turns: Sequence[ParsedTurn] = ()) -> list[Unit]:
        """Blocks separated by blank lines, inside turns when there are turns."""
        units: list[Unit] = []
        for start, end, turn_index in _regions(text, turns):
            for piece_start, piece_end in _split_blocks(text, start, end):
                units.append((piece_start, piece_end, turn_index))
        return units

    def sentences(self, text: str, turns: Sequence[ParsedTurn] = ()) -> list[Unit]:
        """Sentences of every paragraph, in document order."""
        return self.units(text, turns)[1]

    def units(self, text: str, turns: Sequence[ParsedTurn] = ()) -> tuple[list[Unit], list[Unit]]:
        """``(paragraphs, sentences)``, finding the paragraphs only once for both."""
        paragraphs = self.paragraphs(text, turns)
        pieces = (text[start:end] for start, end, _ in paragraphs)
        sentences: list[Unit] = []
        docs = self._nlp.pipe(pieces, batch_size=_BATCH_SIZE)
        for (offset, paragraph_end, turn_index), doc in zip(paragraphs, docs, strict=True):
            for left, right in _sentence_bounds(doc, paragraph_end - offset):
                start, end = strip_span(text, offset + left, offset + right)
                if start < end:
                    sentences.append((start, end, turn_index))
        return paragraphs, sentences


def _sentence_bounds(doc: Doc, length: int) -> list[tuple[int, int]]:
    """Character spans of a doc's sentences: each runs to the start of the next.

    Only the first token of each sentence is looked at (``doc.sents`` makes one span
    per sentence, not one object per token), which matters at hundreds of thousands
    of paragraphs.
    """
    if len(doc) == 0:
        return []
    starts = [sentence.start_char for sentence in doc.sents]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return list(zip(starts, [*starts[1:], length], strict=True))


def _regions(text: str, turns: Sequence[ParsedTurn]) -> Iterator[Unit]:
    """The stretches to segment: each turn, plus any preamble before the first."""
    if not turns:
        yield 0, len(text), None
        return
    ordered = sorted(enumerate(turns), key=lambda item: item[1].start)
    first = ordered[0][1]
    preamble_end = text.rfind("\n", 0, first.start) + 1  # the line of the first turn
    labels = find_labels(text[:preamble_end])
    if labels:
        preamble_end = labels[0].line_start
    if preamble_end > 0:
        yield 0, preamble_end, None
    previous_end = 0
    for index, turn in ordered:
        start = max(turn.start, previous_end, 0)
        end = min(turn.end, len(text))
        if start < end:
            yield start, end, index
            previous_end = end


def _split_blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    position = start
    for match in _BLANK_LINE.finditer(text, start, end):
        block = strip_span(text, position, match.start())
        if block[0] < block[1]:
            yield block
        position = match.end()
    block = strip_span(text, position, end)
    if block[0] < block[1]:
        yield block
