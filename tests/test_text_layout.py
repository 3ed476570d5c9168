"""Laying transcripts out as screen lines: exact offsets, widths, headers and look-ups."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.core.model import DocumentSummary, Segment, SegmentKind, Speaker, Turn
from qualcode.services.workbench import OpenDocument
from qualcode.tui.text_layout import header_for, lay_out, wrap

INTERVIEWER = "Kan du berätta om hur ni följer upp resultaten på skolan?"
PRINCIPAL = ("Vi har en kvalitetsdialog med förvaltningen varje höst. Då går vi igenom betygen "
             "och enkäterna, och sedan skriver vi en plan.\nDen planen följs upp i mars, "
             "men ärligt talat är det mest en formalitet.")


def _document(*, times: bool = False, preamble: str = "") -> OpenDocument:
    """Two turns, the second by a speaker whose role differs from the label."""
    first_label, second_label = "Intervjuare: ", "Anna: "
    text = preamble + first_label + INTERVIEWER + "\n\n" + second_label + PRINCIPAL
    first_start = len(preamble) + len(first_label)
    first_end = first_start + len(INTERVIEWER)
    second_start = first_end + 2 + len(second_label)
    turns = [
        Turn(1, 1, 0, first_start, first_end, 1, "Intervjuare", 5.0 if times else None),
        Turn(2, 1, 1, second_start, len(text), 2, "Anna", 3725.9 if times else None),
    ]
    speakers = {
        1: Speaker(1, 1, "Intervjuare", {"role": "intervjuare"}),
        2: Speaker(2, 1, "Anna", {"role": "rektor", "level": "school"}),
    }
    sentences = [Segment(i + 1, 1, SegmentKind.SENTENCE, i, start, end)
                 for i, (start, end) in enumerate(_sentences(text, turns))]
    summary = DocumentSummary(id=1, name="demo", format="md", language="sv", sha256="0" * 64,
                              imported_at=datetime(2024, 1, 1), word_count=len(text.split()))
    return OpenDocument(summary, text, turns, speakers, sentences, [], [])


def _sentences(text: str, turns: list[Turn]) -> list[tuple[int, int]]:
    spans = []
    for turn in turns:
        position = turn.start
        while position < turn.end:
            stop = text.find(". ", position, turn.end)
            end = turn.end if stop == -1 else stop + 1
            spans.append((position, end))
            position = end + 1
    return spans


# ------------------------------------------------------------------------ wrap


def test_wrap_shows_exactly_the_offsets_it_reports() -> None:
    text = PRINCIPAL
    for width in (8, 12, 20, 33, 60, 200):
        spans = wrap(text, 0, len(text), width)
        shown = [text[start:end] for start, end in spans]
        assert all(len(piece) <= width for piece in shown)
        assert all(piece and not piece[0].isspace() for piece in shown)
        assert all("\n" not in piece for piece in shown)
        assert "".join(shown).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_wrap_breaks_at_spaces_when_it_can() -> None:
    text = "alpha beta gamma delta"
    assert [text[s:e] for s, e in wrap(text, 0, len(text), 11)] == ["alpha beta", "gamma delta"]


def test_wrap_cuts_a_word_longer_than_the_width() -> None:
    text = "kvalitetsdialogsprocessen är lång"
    pieces = [text[s:e] for s, e in wrap(text, 0, len(text), 10)]
    assert pieces[0] == "kvalitetsd"
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(len(p) <= 10 for p in pieces)


def test_wrap_newlines_end_lines_and_blank_lines_vanish() -> None:
    text = "first line\n\nsecond line"
    assert [text[s:e] for s, e in wrap(text, 0, len(text), 40)] == ["first line", "second line"]


def test_wrap_respects_the_given_range() -> None:
    text = "skip this. keep these words only. skip"
    start, end = text.index("keep"), text.index(" skip")
    spans = wrap(text, start, end, 10)
    assert spans[0][0] == start and spans[-1][1] <= end
    assert all(start <= s < e <= end for s, e in spans)


def test_wrap_never_goes_below_eight_columns() -> None:
    text = "abcdefghijklmnop"
    assert [text[s:e] for s, e in wrap(text, 0, len(text), 1)] == ["abcdefgh", "ijklmnop"]


def test_wrap_of_empty_text_is_empty() -> None:
    assert wrap("", 0, 0, 20) == []
    assert wrap("     ", 0, 5, 20) == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("abcåäö .,\n")), max_size=300),
       width=st.integers(min_value=1, max_value=60))
def test_wrap_properties(text: str, width: int) -> None:
    """Every visible character is shown once, on a line no wider than the width."""
    spans = wrap(text, 0, len(text), width)
    limit = max(width, 8)
    covered: set[int] = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert len(piece) <= limit
        assert "\n" not in piece
        assert piece[0] != " "
        covered.update(range(start, end))
        previous_end = end
    visible = {i for i, ch in enumerate(text) if ch not in " \n"}
    assert visible <= covered


# --------------------------------------------------------------------- layout


def test_layout_lines_show_the_document_text_at_their_offsets() -> None:
    document = _document()
    layout = lay_out(document, 30)
    text_lines = [line for line in layout.lines if line.kind == "text"]
    assert text_lines
    for line in text_lines:
        assert document.text[line.start:line.end] == line.text
        assert len(line.text) <= 30
    kinds = [line.kind for line in layout.lines]
    assert kinds[0] == "header" and kinds[-1] == "blank"
    assert kinds.count("header") == 2


def test_layout_shows_every_word_of_each_turn_under_its_header() -> None:
    document = _document()
    layout = lay_out(document, 25)
    for index, turn in enumerate(document.turns):
        shown = " ".join(line.text for line in layout.lines if line.kind == "text" and line.turn == index)
        assert shown.split() == document.text[turn.start:turn.end].split()


def test_layout_of_a_document_without_turns_shows_all_text() -> None:
    document = _document()
    bare = OpenDocument(document.summary, "Bara text. Inga talare här.", [], {}, [], [], [])
    layout = lay_out(bare, 40)
    assert [line.kind for line in layout.lines] == ["text", "blank"]
    assert layout.lines[0].text == "Bara text. Inga talare här."


def test_layout_keeps_a_preamble_before_the_first_turn() -> None:
    document = _document(preamble="Anteckning om intervjun.\n")
    layout = lay_out(document, 60)
    assert layout.lines[0].kind == "text" and layout.lines[0].turn is None
    assert layout.lines[0].text == "Anteckning om intervjun."


def test_header_names_speaker_and_a_role_that_differs() -> None:
    document = _document()
    assert header_for(document, 0) == "Intervjuare"  # role equals the label: not repeated
    assert header_for(document, 1) == "Anna (rektor)"


def test_header_shows_start_times_as_minutes_and_seconds() -> None:
    document = _document(times=True)
    assert header_for(document, 0) == "Intervjuare  [00:05]"
    assert header_for(document, 1) == "Anna (rektor)  [62:05]"


def test_header_without_a_speaker() -> None:
    document = _document()
    anonymous = OpenDocument(document.summary, document.text,
                             [Turn(9, 1, 0, 0, 5)], {}, [], [], [])
    assert header_for(anonymous, 0) == "(no speaker)"


# ------------------------------------------------------------------- look-ups


def test_line_of_finds_the_line_showing_an_offset() -> None:
    document = _document()
    layout = lay_out(document, 24)
    for index, line in enumerate(layout.lines):
        if line.kind != "text":
            continue
        for offset in range(line.start, line.end):
            assert layout.line_of(offset) == index


def test_line_of_before_the_text_and_after_it() -> None:
    document = _document()
    layout = lay_out(document, 24)
    first_text = next(i for i, line in enumerate(layout.lines) if line.kind == "text")
    last_text = max(i for i, line in enumerate(layout.lines) if line.kind == "text")
    assert layout.line_of(0) == first_text
    assert layout.line_of(len(document.text) + 10) == last_text


def test_lines_between_covers_a_span_and_no_more() -> None:
    document = _document()
    layout = lay_out(document, 24)
    for sentence in document.sentences:
        lines = layout.lines_between(sentence.start, sentence.end)
        shown = [layout.lines[i] for i in lines if layout.lines[i].kind == "text"]
        assert shown[0].start <= sentence.start < shown[0].end
        assert shown[-1].start < sentence.end <= shown[-1].end
        assert all(line.start < sentence.end and sentence.start < line.end for line in shown)


def test_lines_between_an_empty_span_is_its_line() -> None:
    document = _document()
    layout = lay_out(document, 24)
    offset = document.sentences[1].start
    assert list(layout.lines_between(offset, offset)) == [layout.line_of(offset)]


def test_line_of_in_an_empty_layout() -> None:
    document = _document()
    empty = OpenDocument(document.summary, "", [], {}, [], [], [])
    layout = lay_out(empty, 40)
    assert layout.line_of(5) == 0
