"""The workbench as a coder meets it: a selection that cannot be missed, mouse selection,
whose codings are on show, and the collapsing panels of an 80x24 terminal.

Driven through Pilot on a copy of the cut-down demo project of test_tui; what was coded
is checked through the services (the stored codings), what is shown through the
widgets' own state and the styles the reader draws with.
"""

from __future__ import annotations

from pathlib import Path

from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import Footer, SelectionList

from qualcode.services import agreement, corpus, workbench
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_finder import CodeFinder
from qualcode.tui.screens.coder_choice import CoderChoice
from qualcode.tui.widgets.code_tree import CodeTree
from qualcode.tui.widgets.context_panel import ContextPanel, describe_target, preview
from qualcode.tui.widgets.reader import MARGIN, TranscriptReader, word_at

from .test_tui import (
    CODER,
    _sentence_spans,
    demo_file,
    main_screen,
    notes,
    project,
    run_app,
    stored,
)
from .tui_support import until as _until

__all__ = ["demo_file", "project"]  # fixtures, used by name


def _panel_text(app: QualcodeApp) -> str:
    return main_screen(app).query_one(ContextPanel).plain


def _cell(reader: TranscriptReader, offset: int) -> tuple[int, int]:
    """The widget cell showing document ``offset``."""
    assert reader.layout_ is not None
    index = reader.layout_.line_of(offset)
    line = reader.layout_.lines[index]
    return MARGIN + offset - line.start, index - int(reader.scroll_offset.y)


# ------------------------------------------------------------------ selection


def test_the_selection_is_drawn_unlike_any_code_in_dark_and_light_themes(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        await pilot.press("down", "shift+down", "shift+down")
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            reader._paint = None
            _, _, _, selection_style, _ = reader._paint_styles()
            assert selection_style.bgcolor is not None
            foreground = Color.parse(app.theme_variables["foreground"])
            assert Color.from_rich_color(selection_style.bgcolor).hex == foreground.hex
            assert reader.document is not None
            colours = {c.colour for c in reader.document.codings} | {workbench.FALLBACK_COLOUR}
            for colour in colours:
                tint = reader._tint(colour).bgcolor
                assert tint is not None
                distance = _distance(Color.from_rich_color(tint), foreground)
                assert distance > 60, (theme, colour, distance)
            # the selected text is drawn with it, and its lines carry the bar in the margin
            assert reader.selection is not None and reader.layout_ is not None
            line = reader.layout_.line_of(reader.selection.start) - int(reader.scroll_offset.y)
            segments = list(reader.render_line(line))
            assert segments[MARGIN - 1].text == "┃"
            selected = [s for s in segments if s.style and s.style.bgcolor == selection_style.bgcolor]
            assert selected and all(s.style.bold for s in selected if s.style)

    run_app(project, scenario)


def _distance(a: Color, b: Color) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a.rgb, b.rgb, strict=True)) ** 0.5)


def test_the_context_panel_says_exactly_what_will_be_coded(project: Path) -> None:
    spans = _sentence_spans(project)

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        assert "Will code the sentence: " in _panel_text(app)
        await pilot.press("down", "shift+down")
        text = screen.reader.document.text  # type: ignore[union-attr]
        start, end = spans[1][0], spans[2][1]
        shown = _panel_text(app)
        assert f"Will code the selection: {end - start} characters, 2 sentences" in shown
        passage = text[start:end].split()
        assert passage[0] in shown and passage[-1] in shown
        await pilot.press("t")

    run_app(project, scenario)
    (made,) = stored(project, coder=CODER)
    assert (made.start, made.end) == (spans[1][0], spans[2][1])


def test_coding_after_a_jump_says_how_much_it_coded(project: Path) -> None:
    spans = _sentence_spans(project)
    start, end = spans[3][0], spans[5][1]

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        screen.reader.move_to(start, end)  # what a jump from retrieval or search does
        await pilot.pause()
        assert f"Will code the selection: {end - start} characters, 3 sentences" in _panel_text(app)
        await pilot.press("t")
        assert any(n.endswith(f": {end - start} characters, 3 sentences") for n in notes(app))

    run_app(project, scenario)
    assert [(c.start, c.end) for c in stored(project, coder=CODER)] == [(start, end)]


def test_preview_and_description_of_a_passage() -> None:
    assert preview("one two three") == "one two three"
    long = " ".join(f"w{i}" for i in range(30))
    assert preview(long) == "w0 w1 w2 w3 w4 … w25 w26 w27 w28 w29"
    assert describe_target("x", selected=False, sentences=1) == "Will code the sentence: 1 character"
    assert describe_target("ab", selected=True, sentences=1) == "Will code the selection: 2 characters, 1 sentence"


def test_word_at_keeps_inner_hyphens_and_stops_at_punctuation() -> None:
    text = "Vi har en kvalitets-dialog, varje höst."
    span = word_at(text, text.index("dialog"))
    assert text[span.start:span.end] == "kvalitets-dialog"
    span = word_at(text, text.index("höst"))
    assert text[span.start:span.end] == "höst"


# ---------------------------------------------------------------------- mouse


def test_drag_selects_across_sentences_and_turns(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        reader = screen.reader
        document = reader.document
        assert document is not None and len(document.turns) > 2
        first, second = document.turns[0], document.turns[1]
        begin = first.start + document.text[first.start:first.end].index(" ") + 1  # the second word
        second_text = document.text[second.start:second.end]
        finish = second.start + second_text.index(" ") + 2  # inside the next turn's second word
        await pilot.mouse_down(reader, offset=_cell(reader, begin))
        await pilot.hover(reader, offset=_cell(reader, finish))
        await pilot.mouse_up(reader, offset=_cell(reader, finish))
        await pilot.pause()
        selection = reader.selection
        assert selection is not None
        word_end = word_at(document.text, finish).end
        assert (selection.start, selection.end) == (begin, word_end)
        assert "Will code the selection" in _panel_text(app)
        await pilot.press("t")

    run_app(project, scenario)
    (made,) = stored(project, coder=CODER)
    store = Store.open(project)
    try:
        turns = workbench.open_document(store, 1).turns
    finally:
        store.close()
    assert made.start < turns[0].end and made.end > turns[1].start


def test_double_click_selects_a_word_triple_click_a_sentence(project: Path) -> None:
    spans = _sentence_spans(project)

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        document = reader.document
        assert document is not None
        start, end = spans[1]
        inside = start + document.text[start:end].index(" ") + 2  # in the sentence's second word
        await pilot.double_click(reader, offset=_cell(reader, inside))
        word = word_at(document.text, inside)
        assert reader.selection is not None
        assert (reader.selection.start, reader.selection.end) == (word.start, word.end)
        await pilot.press("t")
        await pilot.triple_click(reader, offset=_cell(reader, inside))
        assert reader.selection is not None
        assert (reader.selection.start, reader.selection.end) == (start, end)
        await pilot.press("l")

    run_app(project, scenario)
    made = sorted((c.start, c.end) for c in stored(project, coder=CODER))
    store = Store.open(project)
    try:
        text = workbench.open_document(store, 1).text
    finally:
        store.close()
    start, end = spans[1]
    word = word_at(text, start + text[start:end].index(" ") + 2)
    assert made == sorted([(word.start, word.end), (start, end)])


def test_right_click_opens_the_code_finder_on_the_selection(project: Path) -> None:
    spans = _sentence_spans(project)

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        await pilot.press("down", "shift+down")
        assert reader.selection is not None
        inside = reader.selection.start + 2
        await pilot.click(reader, offset=_cell(reader, inside), button=3)
        await _until(pilot, lambda: isinstance(app.screen, CodeFinder), "the code finder")
        assert reader.selection is not None  # a right-click inside the selection keeps it
        await pilot.press(*"decoupling", "enter")

    run_app(project, scenario)
    (made,) = stored(project, coder=CODER)
    assert (made.start, made.end) == (spans[1][0], spans[2][1])


# --------------------------------------------------------------------- coders


def _tree_count(app: QualcodeApp, key: str) -> int:
    screen = main_screen(app)
    view = screen.books[screen.active_book]
    return next(count for code, _, count in view.codes if code.key == key)


def test_ctrl_t_cycles_every_coder_mine_and_chosen_counts_follow(project: Path) -> None:
    store = Store.open(project)
    try:
        everyone = workbench.codebook_view(store, "loose-coupling")
        annas = workbench.codebook_view(store, "loose-coupling", ["anna"])
    finally:
        store.close()
    busiest = max(everyone.codes, key=lambda item: item[2])[0].key
    all_count = dict((c.key, n) for c, _, n in everyone.codes)[busiest]
    anna_count = dict((c.key, n) for c, _, n in annas.codes)[busiest]
    assert 0 < anna_count < all_count

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        title = screen.query_one("#document-title")
        reader = screen.reader
        assert reader.document is not None
        assert "showing every coder's codings" in str(title.render())
        assert {"anna", "bo"} <= {c.coder for c in reader.document.codings}
        assert _tree_count(app, busiest) == all_count  # the counts follow the tints
        await pilot.press("ctrl+t")
        assert "showing your codings" in str(title.render())
        assert {c.coder for c in reader.document.codings} <= {CODER}
        assert _tree_count(app, busiest) == 0
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, CoderChoice)
        choice = app.screen.query_one(SelectionList)
        choice.deselect_all()
        choice.select("anna")
        await pilot.press("enter")
        assert "showing codings of anna" in str(title.render())
        assert {c.coder for c in reader.document.codings} == {"anna"}
        assert _tree_count(app, busiest) == anna_count
        await pilot.press("ctrl+t")
        assert "showing every coder's codings" in str(title.render())
        assert _tree_count(app, busiest) == all_count

    run_app(project, scenario)


def test_codings_hidden_by_an_open_sample_are_not_counted_in_the_code_tree(project: Path) -> None:
    """While the coder has not marked a double-coding sample done, its other coders' codings
    are hidden from the reader; the code tree's counts leave them out as well, under every
    choice of coders, and count them again once the sample is done."""
    store = Store.open(project)
    try:
        documents = len(corpus.list_documents(store))
        agreement.draw_sample(store, "round-1", [CODER, "anna"], size=documents, seed=1)  # every document
        everyone = dict((c.key, n) for c, _, n in workbench.codebook_view(store, "loose-coupling").codes)
        annas = dict((c.key, n) for c, _, n in workbench.codebook_view(store, "loose-coupling", ["anna"]).codes)
    finally:
        store.close()
    busiest = max(annas, key=lambda key: annas[key])
    assert 0 < annas[busiest] < everyone[busiest]

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        reader = screen.reader
        assert reader.document is not None
        shown = {c.coder for c in reader.document.codings}
        assert "anna" not in shown and "bo" in shown  # the tints hide anna's codings from the tester
        assert _tree_count(app, busiest) == everyone[busiest] - annas[busiest]  # and so do the counts
        await pilot.press("ctrl+t")  # mine
        await pilot.press("ctrl+t")  # chosen: anna
        assert isinstance(app.screen, CoderChoice)
        choice = app.screen.query_one(SelectionList)
        choice.deselect_all()
        choice.select("anna")
        await pilot.press("enter")
        assert not reader.document.codings
        assert _tree_count(app, busiest) == 0

        assert app.store is not None
        agreement.mark_done(app.store, "round-1", CODER)
        await pilot.press("f5")
        await pilot.pause()
        assert {c.coder for c in reader.document.codings} == {"anna"}
        assert _tree_count(app, busiest) == annas[busiest]

    run_app(project, scenario)


# ------------------------------------------------------------------ 80 x 24


def test_at_80x24_the_panels_are_toggles_and_help_stays_in_the_footer(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        sidebar = screen.query_one("#sidebar")
        assert not sidebar.display or sidebar.outer_size.width == 0
        assert screen.reader.size.width >= 76  # the transcript has the width
        footer = screen.query_one(Footer)
        shown = [key for key in footer.query("FooterKey") if key.region.right <= 80]
        assert shown[0].description == "Help"  # type: ignore[attr-defined]
        assert footer.compact
        await pilot.press("f3")
        tree = screen.query_one(CodeTree)
        assert app.focused is tree and tree.size.width >= 36
        lines = [tree.render_line(y).text for y in range(tree.size.height)]
        assert any("[t] ■ Tight coupling" in line for line in lines)  # the key comes first, never cut
        assert not screen.query_one("#documents").display
        await pilot.press("f3", "f2")
        assert screen.query_one("#documents").display and not tree.display
        await pilot.press("down", "enter")  # a document chosen: the list gets out of the way
        assert screen.reader.document is not None and screen.reader.document.summary.id == 2
        assert not screen.query_one("#documents").display
        await pilot.press("t")

    run_app(project, scenario, size=(80, 24))
    (made,) = stored(project, coder=CODER)
    assert made.document_id == 2
