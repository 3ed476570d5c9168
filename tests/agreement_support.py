"""A tiny double-coded project where the agreement options change the figures, shared
by the agreement screen's Pilot tests and the command-line tests."""

from __future__ import annotations

from pathlib import Path

DOC = "skola2_rektorer"
# 'voice': anna codes 100 characters from 60, bo 95 from 70. They share 90: over their
# union (105) that is 86 %, no match at the 90 % threshold; over the longer (100) it is
# 90 %, a match. 'followup': both code the same five sentences, with weights that differ.
VOICE = {"anna": (60, 160), "bo": (70, 165)}
WEIGHTS = {"anna": (80, 20, 55, 90, 10), "bo": (70, 30, 40, 95, 35)}


def build_tiny(path: Path, interview: Path, speakers: Path) -> Path:
    """The project at ``path``, from the test interview and its speaker map."""
    from qualcode.services import codebook, coding, corpus
    from qualcode.services.coding import Span
    from qualcode.services.project import create_project

    from .conftest import SMALL_BOOK

    store = create_project(path)
    try:
        assert not corpus.import_paths(store, [interview], speaker_map=speakers).failed
        codebook.load_spec(store, SMALL_BOOK)
        for coder, (start, end) in VOICE.items():
            coding.apply_code(store, DOC, "voice", coder, Span(start=start, end=end))
        sentences = corpus.view_document(store, DOC).sentences[:5]
        for coder, weights in WEIGHTS.items():
            for sentence, weight in zip(sentences, weights, strict=True):
                coding.apply_code(store, DOC, "followup", coder, Span(segment_id=sentence.id), weight=weight)
    finally:
        store.close()
    return path
