"""Deriving what a document's text gives before it is stored: paragraphs, sentences,
search terms and the word count.

Segmenting costs about as much as writing, so a big import has a worker process derive
the next documents' units while the importing process writes (:class:`Segmentation`);
small imports segment in process, where the spaCy pipeline stays loaded between imports.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
import threading
import time
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache, partial
from multiprocessing.context import BaseContext
from pathlib import Path

from qualcode.analysis import terms
from qualcode.core.model import ParsedDocument, ParsedTurn
from qualcode.services.lemmas import lemmatizer


@dataclass(frozen=True)
class DocumentUnits:
    """What is derived from a document's text before it is stored.

    Paragraphs and sentences as flat ``array('q')`` of ``start, end, turn index``
    triples (turn ``-1``: outside turns), the search terms of the sentences as one
    string with a line per sentence, and the word count. Compact on purpose: a list of
    tuples and a list of strings cost about 200 bytes per sentence, and a transcript of
    50 MB has a million sentences; the arrays cost 24 bytes each, travel from the
    worker process as a few byte strings, and rows are made from them a batch at a
    time as they are written (:func:`qualcode.services.corpus.new_segments`).
    """

    paragraphs: array[int]
    sentences: array[int]
    terms: bytes  # zlib-compressed UTF-8: received, then written, a batch at a time
    word_count: int

    @staticmethod
    def pack(units: Sequence[tuple[int, int, int | None]], typecode: str = "q") -> array[int]:
        """``(start, end, turn)`` triples as a flat array, ``None`` as ``-1``."""
        flat = array(typecode)
        for start, end, turn in units:
            flat.extend((start, end, -1 if turn is None else turn))
        return flat

    def paragraph_spans(self) -> Iterator[tuple[int, int, int | None]]:
        return _unpack(self.paragraphs)

    def sentence_spans(self) -> Iterator[tuple[int, int, int | None]]:
        return _unpack(self.sentences)

    def sentence_terms(self) -> Iterator[str]:
        """Each sentence's terms, in order, decompressed a stretch at a time."""
        if not self.sentences:
            return
        inflate = zlib.decompressobj()
        pending = b""
        # Small pieces in, at most _TERMS_CHUNK bytes out per call: repetitive text
        # inflates a hundredfold.
        for start in range(0, len(self.terms), 4096):
            data = self.terms[start:start + 4096]
            while data:
                pending += inflate.decompress(data, _TERMS_CHUNK)
                data = inflate.unconsumed_tail
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield line.decode("utf-8")
        for line in (pending + inflate.flush()).split(b"\n"):
            yield line.decode("utf-8")


_TERMS_CHUNK = 1 << 16


def _unpack(flat: array[int]) -> Iterator[tuple[int, int, int | None]]:
    for i in range(0, len(flat), 3):
        turn = flat[i + 2]
        yield flat[i], flat[i + 1], None if turn < 0 else turn


# Imports of at least this many bytes segment in a worker process while this one
# writes; below it the worker's start (a second or two) would cost more than it saves.
_WORKER_MIN_BYTES = 400_000
# Documents handed to the worker ahead of the writer: enough to keep it busy, few
# enough that finished results waiting to be written stay small.
_LOOKAHEAD = 32
# Parsed documents held ahead of the writer, for the segmentation worker to work on:
# at most this many characters of text in all (and at least one document, whatever its
# size), so that memory holds a small multiple of the largest document, not of the
# whole import.
AHEAD_CHARS = 8_000_000


class Segmentation:
    """Derives documents' units (:func:`segment_document`), ahead of the writer when that pays.

    Segmenting and writing cost about the same; with a worker process segmenting, the
    two overlap on two cores, and more workers share the segmenting where there are
    more cores. Small imports segment in this process, where the pipeline stays loaded
    between imports.
    """

    def __init__(self, executor: Executor | None, lookahead: int = _LOOKAHEAD) -> None:
        self._executor = executor
        self._lookahead = lookahead
        self._waiting: deque[_Job] = deque()  # not yet handed to the worker
        self._in_flight = 0

    @property
    def lookahead(self) -> int:
        """Documents worth handing over ahead of the writer."""
        return self._lookahead

    @classmethod
    def for_files(cls, files: list[Path], language: str | None) -> Segmentation:
        size = 0
        for path in files:
            with suppress(OSError):
                size += path.stat().st_size
        return cls.for_size(size, language)

    @classmethod
    def for_size(cls, size: int, language: str | None) -> Segmentation:
        """Worker processes for ``size`` bytes of text, or none where that is too little to pay."""
        if size < _WORKER_MIN_BYTES:
            return cls(None)
        workers = _worker_count()
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=_process_context(),
                                       initializer=_start_segmentation_worker,
                                       initargs=(language, os.getpid()))
        for _ in range(workers):
            executor.submit(int)  # start the workers now: loading spaCy overlaps with parsing
        return cls(executor, lookahead=_LOOKAHEAD * workers)

    def submit(self, document: ParsedDocument, language: str) -> Callable[[], DocumentUnits]:
        """A call that gives the document's units, waiting for them if need be."""
        if self._executor is None:
            return partial(segment_document, language, document.text, document.turns)
        job = _Job(language, document)
        self._waiting.append(job)
        self._hand_over()
        return partial(self._result, job)

    def _hand_over(self) -> None:
        assert self._executor is not None
        while self._waiting and self._in_flight < self._lookahead:
            job = self._waiting.popleft()
            # A flat array of starts and ends travels to the worker at a fraction of the cost of turns.
            spans = array("q")
            for turn in job.document.turns:
                spans.extend((turn.start, turn.end))
            try:
                job.future = self._executor.submit(_segment_spans, job.language, job.document.text, spans)
            except BrokenExecutor:
                continue  # no worker any more: the job is done here when its turn comes
            self._in_flight += 1

    def _result(self, job: _Job) -> DocumentUnits:
        if job.future is not None:
            try:
                return job.future.result()
            except BrokenExecutor:  # the worker died (killed, out of memory): carry on here
                pass
            finally:
                self._in_flight -= 1
                self._hand_over()
        return segment_document(job.language, job.document.text, job.document.turns)

    def __enter__(self) -> Segmentation:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _worker_count() -> int:
    """Workers that segment: one per core beyond this process's, at most four.

    This process writes, which costs about as much as one worker segments; on two
    cores a second worker would only take turns with the first.
    """
    return max(1, min(4, (os.cpu_count() or 2) - 1))


@dataclass
class _Job:
    language: str
    document: ParsedDocument
    future: Future[DocumentUnits] | None = None


@lru_cache(maxsize=4)
def segmenter_for(language: str):  # type: ignore[no-untyped-def]
    """One segmenter per language and process: building a spaCy pipeline takes a while.

    Imported here, not at module level: spaCy must not load when a command that never
    segments starts.
    """
    with _torch_hidden():
        from qualcode.importers.segmenter import Segmenter

        return Segmenter(language)


@contextmanager
def _torch_hidden() -> Iterator[None]:
    """Keep torch from loading while spaCy does.

    thinc, which spaCy imports, imports torch too when it is installed, which takes
    seconds; a blank pipeline never uses it. An import of a module set to ``None`` in
    ``sys.modules`` raises ImportError, which thinc expects. The entry goes again
    afterwards, so whatever needs torch later (the embedders) still imports it.
    """
    hide = "torch" not in sys.modules and "thinc" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if hide and "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


def segment_document(language: str, text: str, turns: Sequence[ParsedTurn]) -> DocumentUnits:
    """Everything derived from a document's text; runs in a worker process for big imports."""
    paragraphs, sentences = segmenter_for(language).units(text, turns)
    search_terms, word_count = sentence_terms(text, sentences, language)
    typecode = "i" if len(text) < 2**31 else "q"
    packed_paragraphs = DocumentUnits.pack(paragraphs, typecode)
    packed_sentences = DocumentUnits.pack(sentences, typecode)
    del paragraphs, sentences
    # A line per sentence; terms are words and lemmas, so a line break in one can only
    # come from a project's word list, and would shift every sentence after it.
    blob = "\n".join(t.replace("\n", " ") if "\n" in t else t for t in search_terms).encode("utf-8")
    del search_terms
    return DocumentUnits(paragraphs=packed_paragraphs, sentences=packed_sentences,
                         terms=zlib.compress(blob, 1), word_count=word_count)


def _segment_spans(language: str, text: str, spans: array[int]) -> DocumentUnits:
    return segment_document(language, text, [ParsedTurn(None, spans[i], spans[i + 1]) for i in range(0, len(spans), 2)])


# Characters whose lower case is not one character of the same kind (word or not)
# as themselves: "İ" lower-cases to two characters, and "Σ" to "σ" or "ς" depending
# on its neighbours. Without them, lower-casing a whole text keeps every position.
_LOWER_CHANGES_POSITIONS = re.compile("[\u0130\u03a3]")


def sentence_terms(text: str, sentences: Sequence[tuple[int, int, int | None]],
                   language: str) -> tuple[list[str], int]:
    """:func:`terms.index_terms` of each sentence, and the text's :func:`terms.word_count`,
    from one pass over the document.

    The text is lower-cased once instead of word by word, its words found once to
    count them and to look up their lemmas, and each lemma looked up once per word:
    the same strings, at a fraction of the cost that otherwise is a sizeable share of
    an import.
    """
    find_words = terms.WORD.findall
    # Lower-cased once when that keeps every position (as many words, none changes length).
    lowered = None if _LOWER_CHANGES_POSITIONS.search(text) else text.lower()
    # The distinct words and their count, a stretch at a time: a list of every word of a
    # 50 MB transcript would hold ten times its size in string objects.
    distinct: set[str] = set()
    word_total = 0
    for start, end in _stretches(text):
        found_words = find_words(lowered, start, end) if lowered is not None else \
            [word.lower() for word in find_words(text, start, end)]
        word_total += len(found_words)
        distinct.update(found_words)
    lemma_of = lemmatizer(language).index_lookup(distinct).get
    result = []
    for start, end, _ in sentences:
        if lowered is not None:
            tokens = find_words(lowered, start, end)
        else:
            tokens = [word.lower() for word in find_words(text, start, end)]
        found = set(map(lemma_of, tokens))
        found.discard(None)
        found.difference_update(tokens)
        result.append(" ".join(tokens + sorted(found)) if found else " ".join(tokens))
    return result, word_total


_STRETCH = 1 << 20


def _stretches(text: str) -> Iterator[tuple[int, int]]:
    """``text`` as ``[start, end)`` stretches of about a megabyte, each ending where a
    word cannot go on (so no word is cut in two)."""
    start = 0
    while start < len(text):
        end = start + _STRETCH
        while end < len(text) and (text[end - 1].isalnum() or text[end - 1] == "_"
                                   or text[end].isalnum() or text[end] == "_"):
            end += 1
        yield start, min(end, len(text))
        start = end


def _process_context() -> BaseContext:
    """Fork on Linux when this process runs no other thread: nothing is imported twice.

    With threads running (the workbench imports from one, the command line's progress
    bar redraws from one), a fork could copy a lock that some thread holds, and macOS
    libraries do not survive a fork at all; a fresh interpreter is safe everywhere.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _start_segmentation_worker(language: str | None, parent: int | None = None) -> None:
    """Load spaCy in a new worker before its first document arrives.

    The worker first ties its life to the importer's: a killed importer must not leave
    workers behind, and a forked worker would never see the end of its task queue
    (its siblings hold the queue open).
    """
    if parent is not None:
        exit_with_parent(parent)
    if language in ("sv", "en"):
        segmenter_for(language)
    else:
        with _torch_hidden():
            import qualcode.importers.segmenter  # noqa: F401


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_POLL_S = 0.5


def exit_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` is no longer its parent.

    Linux: the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``).
    Everywhere, and as a second guard, a daemon thread checks the parent's id twice a
    second: an orphan is re-parented, so its parent id changes.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the watch was set up
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="qualcode-parent-watch", daemon=True).start()
