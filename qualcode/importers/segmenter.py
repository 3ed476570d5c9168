"""Cutting a document into paragraphs and sentences, the units coders select.

Segmentation uses spaCy's blank pipeline for the language (tokenizer only) plus the
rule-based ``sentencizer``: no statistical model, so it is fast and gives the same
result on every machine. The pipeline is built once per language and shared.

The sentencizer's rule is applied to the tokenizer's arrays, a whole document at a
time, rather than by running the component: it visits every token as a Python object
and costs twice what the tokenizer does, on the sentences of a million-word import
about a second more. The sentences are the same (``tests/test_importers.py`` checks
them against the pipeline with the component).

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

import numpy as np
import spacy
from spacy.attrs import IDX, IS_PUNCT
from spacy.language import Language

from qualcode.core.model import ParsedTurn
from qualcode.errors import SourceFileError
from qualcode.importers.turns import find_labels, strip_span

Unit = tuple[int, int, int | None]  # start, end, index of the turn (None outside turns)

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BATCH_SIZE = 256
_GROUP_TOKENS = 65_536
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


@cache
def _final_flag(nlp: Language) -> int:
    """A lexeme flag for the sentencizer's sentence-final characters (".", "?", "!"...).

    The tokenizer's arrays then carry it, computed once per distinct word instead of
    a set lookup per token.
    """
    punct_chars = frozenset(nlp.get_pipe("sentencizer").punct_chars)
    return nlp.vocab.add_flag(lambda word: word in punct_chars)


class Segmenter:
    """Paragraph and sentence segmentation for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._nlp = _pipeline(language)
        self._final_flag = _final_flag(self._nlp)

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
        if not paragraphs:
            return paragraphs, []
        # A paragraph of megabytes (a transcript without line breaks) is tokenized in
        # pieces cut after a sentence end: one spaCy Doc holds about a hundred bytes per
        # token, so the peak stays a small multiple of the text instead of many times it.
        pieces = [piece for start, end, turn in paragraphs for piece in _pieces(text, start, end, turn)]
        docs = self._nlp.tokenizer.pipe((text[start:end] for start, end, _ in pieces), batch_size=_BATCH_SIZE)
        # The rule runs over groups of pieces of about _GROUP_TOKENS tokens: its arrays
        # then take a bounded amount of memory, where arrays of a whole document's tokens
        # took several times its text (sentences never cross a piece, so groups are
        # independent).
        sentences: list[Unit] = []
        group: list[Unit] = []
        tokens: list[np.ndarray] = []
        count = 0
        for piece, doc in zip(pieces, docs, strict=True):
            group.append(piece)
            tokens.append(doc.to_array([self._final_flag, IS_PUNCT, IDX]).astype(np.int32))
            count += len(tokens[-1])
            if count >= _GROUP_TOKENS:
                self._add_sentences(text, group, tokens, sentences)
                group, tokens, count = [], [], 0
        if group:
            self._add_sentences(text, group, tokens, sentences)
        return paragraphs, sentences

    def _add_sentences(self, text: str, pieces: list[Unit], tokens: list[np.ndarray], sentences: list[Unit]) -> None:
        for start, end, piece in self._sentence_spans(pieces, tokens):
            start, end = strip_span(text, start, end)
            if start < end:
                sentences.append((start, end, pieces[piece][2]))

    def _sentence_spans(self, paragraphs: list[Unit], tokens: list[np.ndarray]) -> Iterator[tuple[int, int, int]]:
        """``(start, end, paragraph index)`` of every sentence, by the sentencizer's rule.

        A sentence starts at each paragraph's first token, and at every token that is
        neither punctuation nor sentence-final when a sentence-final token (".", "?",
        "!"...) came after the last such token of the paragraph. Each sentence runs to
        the next one's start or to the paragraph's end.
        """
        counts = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        table = np.concatenate(tokens)
        paragraph = np.repeat(np.arange(len(tokens)), counts)
        first = np.cumsum(counts) - counts  # each paragraph's first token
        final = table[:, 0] == 1
        seen = np.cumsum(final)  # sentence-final tokens up to and including each token
        seen_before_paragraph = np.concatenate(([0], seen))[first]
        plain = np.flatnonzero(~final & (table[:, 1] == 0))
        plain_paragraph = paragraph[plain]
        # Finals seen before a plain token: since the previous plain token of its paragraph,
        # or since the paragraph began.
        baseline = seen_before_paragraph[plain_paragraph]
        same = plain_paragraph[1:] == plain_paragraph[:-1]
        baseline[1:][same] = seen[plain[:-1]][same]
        is_start = np.zeros(len(table), dtype=bool)
        is_start[first[counts > 0]] = True
        is_start[plain[seen[plain] > baseline]] = True
        starts = np.flatnonzero(is_start)
        offsets = np.fromiter((start for start, _, _ in paragraphs), dtype=np.int64, count=len(paragraphs))
        ends = np.fromiter((end for _, end, _ in paragraphs), dtype=np.int64, count=len(paragraphs))
        owner = paragraph[starts]
        start_chars = offsets[owner] + table[starts, 2].astype(np.int64)
        end_chars = ends[owner]
        continues = owner[1:] == owner[:-1]
        end_chars[:-1][continues] = start_chars[1:][continues]
        return zip(start_chars.tolist(), end_chars.tolist(), owner.tolist(), strict=True)


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


# Paragraphs longer than this many characters are tokenized in pieces (see Segmenter.units).
PIECE_CHARS = 100_000
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u00bb)\]]*\s+")
_SPACE = re.compile(r"\s+")


def _pieces(text: str, start: int, end: int, turn: int | None) -> Iterator[Unit]:
    """``[start, end)`` cut into stretches of at most about :data:`PIECE_CHARS`, each cut
    after the last sentence end of its stretch (else at its last space); short ones whole."""
    while end - start > PIECE_CHARS:
        window_start, window_end = start + PIECE_CHARS // 2, start + PIECE_CHARS
        cut = None
        for pattern in (_SENTENCE_END, _SPACE):
            for match in pattern.finditer(text, window_start, window_end):
                cut = match.end()
            if cut is not None:
                break
        cut = cut if cut is not None and cut < end else window_end
        yield start, cut, turn
        start = cut
    yield start, end, turn


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
