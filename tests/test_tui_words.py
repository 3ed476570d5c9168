"""The Words screen (frequencies, KWIC, keyness, collocations) and coding as a picture (codeline, codes
by documents) in the workbench: Pilot tests of each mode against the services, and
snapshots at 120x40 and 80x24 on a small project built here.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, TabbedContent

from qualcode.core.sets import Passage
from qualcode.services import (
    codebook,
    coding,
    collocations,
    corpus,
    pictures,
    sets,
    words,
    workbench,
)
from qualcode.services.project import create_project, open_project
from qualcode.tui import screens
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding_pictures import CodingPicturesScreen
from qualcode.tui.screens.main import MainScreen
from qualcode.tui.screens.words import WordsScreen
from tests.test_tui_snapshots import BOOKS, CODINGS, SPEAKERS, TRANSCRIPT
from tests.tui_support import opened, settle, until

OWNER = """---
title: Owner interview
level: owner
role: verksamhetschef
---

Intervjuare: Hur följer förvaltningen upp skolorna?

Verksamhetschef: Förvaltningen skickar mallen till skolorna varje höst. Mallen har samma rubriker \
varje år. Förvaltningen läser planen och förvaltningen skriver en kvalitetsrapport. Planen och \
mallen följs upp i mars, och förvaltningen träffar varje rektor.

Intervjuare: Vad händer sedan?

Verksamhetschef: Förvaltningen samlar planen från varje skola och mallen blir en rapport till nämnden.
"""
OWNER_SPEAKERS = """speakers:
  Intervjuare: {role: intervjuare, level: research}
  Verksamhetschef: {role: verksamhetschef, level: owner}
"""


@pytest.fixture(scope="module")
def project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("words-screen")
    (folder / "skola9_rektor.md").write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "speakers.yaml").write_text(SPEAKERS, encoding="utf-8")
    (folder / "owner").mkdir()
    (folder / "owner" / "forvaltning.md").write_text(OWNER, encoding="utf-8")
    (folder / "owner" / "speakers.yaml").write_text(OWNER_SPEAKERS, encoding="utf-8")
    path = folder / "words.qualcode"
    store = create_project(path, name="Words project")
    try:
        for source, speakers in ((folder / "skola9_rektor.md", folder / "speakers.yaml"),
                                 (folder / "owner" / "forvaltning.md", folder / "owner" / "speakers.yaml")):
            report = corpus.import_paths(store, [source], speaker_map=speakers)
            assert not report.failed, report.failed
        for book in BOOKS:
            codebook.load_spec(store, book)
        sentences = workbench.open_document(store, 1).sentences
        for coder, code, index in CODINGS:
            coding.apply_code(store, 1, code, coder, coding.Span(sentences[index].start, sentences[index].end))
        owner = workbench.open_document(store, 2).sentences
        coding.apply_code(store, 2, "cp.tight", "anna", coding.Span(owner[1].start, owner[2].end))
    finally:
        store.close()
    return path


@pytest.fixture
def copy(project_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "snapshot")
    # The word index the Words screen builds on first use is written by its worker and
    # the change watch (every 2 s) may call it a change elsewhere: on a slow run that
    # would alter the main screen's title behind the snapshots. Not what these test.
    monkeypatch.setattr(screens.main, "CHANGE_CHECK_S", 3600.0)
    target = tmp_path / "words.qualcode"
    shutil.copyfile(project_file, target)
    return target


@pytest.fixture
def app(copy: Path) -> QualcodeApp:
    return QualcodeApp(str(copy), coder="anna", suggestions=False)


async def _opened(pilot: Pilot) -> None:
    await opened(pilot)


async def _quiet(pilot: Pilot) -> None:
    await settle(pilot.app, pilot)  # the counting workers first
    pilot.app.clear_notifications()
    await pilot.pause()


def _rows(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(getattr(c, "plain", c)).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def drive(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test on its own event loop (as the other workbench tests do)."""
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


# ------------------------------------------------------------------ Pilot: each mode


def _ostensive(path: Path) -> list[coding.Coding]:
    store = open_project(str(path))
    try:
        return coding.list_codings(store, code="rt.ostensive", coder="anna")
    finally:
        store.close()



@drive
async def test_frequencies_show_the_service_counts(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, WordsScreen), "the words screen")
        await settle(app, pilot)
        shown = _rows(app.screen.query_one("#freq-table", DataTable))
        store = open_project(str(copy))
        try:
            expected = words.frequencies(store, limit=200)
        finally:
            store.close()
        assert [r[0] for r in shown] == [w.word for w in expected.words]
        assert [int(r[1]) for r in shown] == [w.count for w in expected.words]
        app.screen.query_one("#freq-filter").focus()
        await pilot.press(*"level=owner", "enter")
        await settle(app, pilot)
        owner = _rows(app.screen.query_one("#freq-table", DataTable))
        assert owner[0][0] == "förvaltning" and owner != shown


@drive
async def test_frequencies_keep_to_a_passage_set_named_in_the_filter(app: QualcodeApp, copy: Path) -> None:
    store = open_project(str(copy))
    try:
        owner = workbench.open_document(store, 2).sentences
        sets.create(store, "mallen", "passages", passages=[Passage(2, owner[0].start, owner[1].end)])
        expected = words.frequencies(store, words.in_sets(store, words.Selection(), ["mallen"]), limit=200)
    finally:
        store.close()
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, WordsScreen), "the words screen")
        await settle(app, pilot)
        everything = _rows(app.screen.query_one("#freq-table", DataTable))
        app.screen.query_one("#freq-filter").focus()
        await pilot.press(*"set=mallen", "enter")
        await settle(app, pilot)
        shown = _rows(app.screen.query_one("#freq-table", DataTable))
        assert [(r[0], int(r[1])) for r in shown] == [(w.word, w.count) for w in expected.words]
        assert shown != everything and "passages of 1 set" in str(app.screen.query_one("#freq-summary").render())


async def _concordance_of(app: QualcodeApp, pilot: Pilot, pattern: str) -> WordsScreen:
    """The Words screen opened on its concordance tab and run for ``pattern``."""
    await _opened(pilot)
    await pilot.press("ctrl+k", "ctrl+t")
    screen = app.screen
    assert isinstance(screen, WordsScreen)
    await pilot.press(*pattern, "enter")
    await settle(app, pilot)
    return screen


@drive
async def test_kwic_marks_lines_codes_them_in_one_step_and_undoes(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _concordance_of(app, pilot, "mallen")
        assert screen.query_one(TabbedContent).active == "words-kwic"
        table = screen.query_one("#kwic-table", DataTable)
        assert table.row_count == len(screen.lines) >= 3
        assert all(line.match.lower() == "mallen" for line in screen.lines)
        await pilot.press("space", "space")
        assert screen.marked == {0, 1}
        marked = screen.lines[:2]
        before = len(_ostensive(copy))
        await pilot.press("c", *"Ostensive", "enter")
        await settle(app, pilot)
        made = _ostensive(copy)
        assert len(made) == before + 2
        store = open_project(str(copy))
        try:
            for line, new in zip(marked, made[-2:], strict=True):
                sentences = workbench.open_document(store, line.document).sentences
                assert any((s.start, s.end) == (new.start, new.end) and s.start <= line.start < s.end
                           for s in sentences)  # the whole sentence the line stands in
        finally:
            store.close()
        assert screen.marked == set()
        await pilot.press("u")
        await pilot.pause()
        assert len(_ostensive(copy)) == before  # one undo took both back


@drive
async def test_one_marked_line_is_coded_and_undone_in_the_singular(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _concordance_of(app, pilot, "mallen")
        await pilot.press("space", "c", *"Ostensive", "enter")
        await settle(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Coded 1 sentence with ") and "u undoes it." in m for m in said), said
        assert "Undone: 1 coding removed again" in said, said


@drive
async def test_a_bad_pattern_or_group_is_a_message_not_a_crash(app: QualcodeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", *"a+b", "enter")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("not a valid word pattern" in m for m in messages)
        await pilot.press("ctrl+t", *"nobody", "tab", *"school", "enter")
        await settle(app, pilot)
        assert any("no words" in m for m in (n.message for n in app._notifications))
        assert isinstance(app.screen, WordsScreen)


@drive
async def test_kwic_enter_reads_the_line_in_context(app: QualcodeApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", *"planen", "enter")
        await settle(app, pilot)
        lines = app.screen.lines  # type: ignore[attr-defined]
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "back on the main screen")
        main = app.screen
        assert isinstance(main, MainScreen)
        target = lines[1]
        assert main.reader.document is not None and main.reader.document.summary.name == target.document
        assert main.reader.target_span().start == target.start
        assert len(main.hits) == len(lines)


@drive
async def test_keyness_compares_two_groups(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", *"owner", "tab", *"school", "enter")
        await settle(app, pilot)
        shown = _rows(app.screen.query_one("#key-table", DataTable))
        store = open_project(str(copy))
        try:
            expected = words.keyness(store, "level", "owner", "school", limit=200)
        finally:
            store.close()
        assert [r[0] for r in shown] == [w.word for w in expected.words] and shown
        assert shown[0][1] == ("owner" if expected.words[0].log_ratio > 0 else "school")
        group_a = app.screen.query_one("#key-a", Input)
        group_a.value = ""
        group_a.focus()
        await pilot.press("enter")  # a group left empty: said, and the table stays
        await settle(app, pilot)
        assert any("Name both groups" in n.message for n in app._notifications)
        assert _rows(app.screen.query_one("#key-table", DataTable)) == shown


@drive
async def test_collocations_list_the_service_result_and_open_kwic(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", "ctrl+t")
        screen = app.screen
        assert isinstance(screen, WordsScreen)
        assert screen.query_one(TabbedContent).active == "words-coll"
        await pilot.press(*"förvaltningen", "enter")
        await settle(app, pilot)
        shown = _rows(screen.query_one("#coll-table", DataTable))
        store = open_project(str(copy))
        try:
            expected = collocations.collocations(store, "förvaltningen", words.Selection(), window=5, min_count=2,
                                                 lemma=True, sort="ll", limit=200)
            by_count = collocations.collocations(store, "förvaltningen", words.Selection(), window=3,
                                                 min_count=1, lemma=True, sort="count", limit=200)
        finally:
            store.close()
        assert shown and [r[0] for r in shown] == [c.word for c in expected.collocates]
        assert [[int(v) for v in r[1:4]] for r in shown] == [[c.count, c.left, c.right] for c in expected.collocates]
        assert [float(r[6]) for r in shown] == [round(c.g2, 2) for c in expected.collocates]
        # Window, minimum count and sort: a second request with other inputs.
        for field, value in (("#coll-window", "3"), ("#coll-min", "1")):
            screen.query_one(field, Input).value = value
        screen.query_one("#coll-sort").value = "count"  # type: ignore[attr-defined]
        screen.query_one("#coll-node", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        shown = _rows(screen.query_one("#coll-table", DataTable))
        assert [r[0] for r in shown] == [c.word for c in by_count.collocates] and len(shown) > len(expected.collocates)
        # Enter on a collocate: the node's lines in KWIC, the cursor on one the collocate stands in.
        table = screen.query_one("#coll-table", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(app, pilot)
        chosen = by_count.collocates[0]
        assert screen.query_one(TabbedContent).active == "words-kwic"
        assert screen.query_one("#kwic-pattern", Input).value == "förvaltningen"
        assert screen.lines and all(line.match.lower() in by_count.forms for line in screen.lines)
        line = screen.lines[screen.query_one("#kwic-table", DataTable).cursor_row]
        side = line.right if chosen.right >= chosen.left else line.left
        assert chosen.word in side.lower()


@drive
async def test_a_node_word_that_does_not_occur_is_a_message(app: QualcodeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", "ctrl+t", *"zebrafink", "enter")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("'zebrafink' does not occur" in m for m in messages)
        assert isinstance(app.screen, WordsScreen) and app.screen.collocation_table is None


@drive
async def test_codeline_strips_and_jump(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        app.screen.open_document(1)  # type: ignore[attr-defined]  # the group interview: two coders
        await pilot.pause()
        document = 1
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, CodingPicturesScreen), "the pictures screen")
        screen = app.screen
        store = open_project(str(copy))
        try:
            expected = pictures.codeline(store, document, codebook="coupling", coders=("anna",))
            split = pictures.codeline(store, document, codebook="coupling", per_coder=True)
        finally:
            store.close()
        options = screen.query_one("#codeline-rows", OptionList)
        assert options.option_count == len(expected.rows) + 1  # and the turns
        first = options.get_option_at_index(0).prompt
        assert str(first).startswith(expected.rows[0].key)
        await pilot.press("p")
        await pilot.pause()
        assert options.option_count == len(split.rows) + 1
        await pilot.press("p", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "back on the main screen")
        assert app.screen.reader.target_span().start == expected.rows[0].spans[0][0]  # type: ignore[attr-defined]


@drive
async def test_code_matrix_counts_share_and_jump(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("f10", "ctrl+t")
        screen = app.screen
        assert isinstance(screen, CodingPicturesScreen)
        table = screen.query_one("#code-doc-table", DataTable)
        store = open_project(str(copy))
        try:
            expected = pictures.code_matrix(store, codebook="coupling", coders=("anna",))
        finally:
            store.close()
        shown = _rows(table)
        assert [r[0] for r in shown] == list(expected.row_keys)
        tight = expected.row_keys.index("cp.tight")
        assert [r.strip("░▒▓█·") for r in shown[tight][1:]] == [str(v) if v else "" for v in expected.counts[tight]]
        await pilot.press("s")
        assert screen.matrix is not None and screen.matrix.measure == "share"
        table.cursor_coordinate = table.cursor_coordinate._replace(row=tight, column=2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "back on the main screen")
        main = app.screen
        assert isinstance(main, MainScreen) and main.document_id == expected.document_ids[1]



# ------------------------------------------------------------------ Pilot: the filter in every tab


@drive
async def test_kwic_filtered_by_an_attribute_shows_only_those_documents_lines(app: QualcodeApp, copy: Path) -> None:
    store = open_project(str(copy))
    try:
        everything = words.kwic(store, "mallen", limit=500)
        owner = words.kwic(store, "mallen", words.Selection({"level": ["owner"]}, include_interviewer=True), limit=500)
        coded = words.kwic(store, "mallen", words.Selection(codes=["cp.tight"], include_interviewer=True), limit=500)
    finally:
        store.close()
    assert 0 < len(owner.lines) < len(everything.lines) and {x.document for x in owner.lines} == {"forvaltning"}
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", *"mallen", "tab", *"level=owner", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WordsScreen)
        assert screen.lines == owner.lines
        assert screen.query_one("#kwic-table", DataTable).row_count == len(owner.lines)
        assert "in level=owner" in str(screen.query_one("#kwic-summary").render())
        kwic_filter = screen.query_one("#kwic-filter", Input)
        kwic_filter.value = "code=cp.tight"  # a code's passages, as in the other tabs
        kwic_filter.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.lines == coded.lines and len(coded.lines) < len(everything.lines)


@drive
async def test_collocations_filtered_by_a_set_equal_the_service_result(app: QualcodeApp, copy: Path) -> None:
    store = open_project(str(copy))
    try:
        owner = workbench.open_document(store, 2).sentences
        sets.create(store, "mallen", "passages", passages=[Passage(2, owner[0].start, owner[2].end)])
        selection = words.in_sets(store, words.Selection(), ["mallen"])
        expected = collocations.collocations(store, "förvaltningen", selection, window=5, min_count=1, lemma=True,
                                             sort="ll", limit=200)
        unfiltered = collocations.collocations(store, "förvaltningen", words.Selection(), window=5, min_count=1,
                                               lemma=True, sort="ll", limit=200)
    finally:
        store.close()
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", "ctrl+t", *"förvaltningen", "tab", *"set=mallen", "tab",
                          "tab", "1", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WordsScreen)
        shown = _rows(screen.query_one("#coll-table", DataTable))
        assert shown and [r[0] for r in shown] == [c.word for c in expected.collocates]
        assert [[int(v) for v in r[1:4]] for r in shown] == [[c.count, c.left, c.right] for c in expected.collocates]
        assert screen.collocation_table is not None and screen.collocation_table.node_count == expected.node_count
        assert expected.node_count < unfiltered.node_count
        assert "passages of 1 set" in str(screen.query_one("#coll-summary").render())
        # Enter on a collocate: its KWIC lines keep to the same set.
        table = screen.query_one("#coll-table", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.query_one("#kwic-filter", Input).value == "set=mallen"
        assert screen.lines and all(owner[0].start <= x.start and x.end <= owner[2].end for x in screen.lines)


@drive
async def test_a_bad_filter_is_the_same_message_in_every_tab(app: QualcodeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _opened(pilot)
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WordsScreen)
        for tab, field in (("words-freq", "#freq-filter"), ("words-kwic", "#kwic-filter"),
                           ("words-keyness", "#key-filter"), ("words-coll", "#coll-filter")):
            app.clear_notifications()
            screen.query_one(TabbedContent).active = tab
            await pilot.pause()
            if tab == "words-kwic":
                screen.query_one("#kwic-pattern", Input).value = "mallen"
            if tab == "words-keyness":
                screen.query_one("#key-a", Input).value = "owner"
                screen.query_one("#key-b", Input).value = "school"
            if tab == "words-coll":
                screen.query_one("#coll-node", Input).value = "förvaltningen"
            box = screen.query_one(field, Input)
            box.value = "level"
            box.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            messages = [n.message for n in app._notifications]
            assert any("'level' is not key=value." in m and "level=school or set=NAME" in m for m in messages), tab
            app.clear_notifications()
            box.value = "set=nosuchset"  # read in the worker: a message too
            await pilot.press("enter")
            await settle(app, pilot)
            assert any("nosuchset" in n.message for n in app._notifications), tab
            summary = str(screen.query_one(f"#{field[1:].split('-')[0]}-summary").render())
            assert "Counting" not in summary, tab  # back to what the table shows
        assert isinstance(app.screen, WordsScreen) and screen.lines == [] and screen.collocation_table is None
        assert screen.keyness_table is None


def _keyness_rows(table: words.KeynessTable) -> list[list[str]]:
    """The rows the Keyness tab draws at 120 columns, from the service's table."""
    rows = []
    for w in table.words:
        p = "<0.001" if w.p_adjusted < 0.001 else f"{w.p_adjusted:.3f}"
        rows.append([w.word, table.a if w.log_ratio > 0 else table.b, f"{w.g2:.1f}", p, f"{w.log_ratio:+.2f}",
                     str(w.count_a), str(w.count_b), f"{w.per_10k_a:.1f}", f"{w.per_10k_b:.1f}"])
    return rows


async def _filtered_keyness(app: QualcodeApp, pilot: Pilot, text: str) -> WordsScreen:
    await _opened(pilot)
    await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", *"owner", "tab", *"school", "tab", *text, "enter")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, WordsScreen)
    return screen


@drive
async def test_keyness_filtered_by_an_attribute_equals_the_service_result(app: QualcodeApp, copy: Path) -> None:
    selection = words.Selection({"role": ["rektor", "verksamhetschef"]})
    store = open_project(str(copy))
    try:
        expected = words.keyness(store, "level", "owner", "school", selection, limit=200)
        unfiltered = words.keyness(store, "level", "owner", "school", limit=200)
    finally:
        store.close()
    assert expected.words and expected.total_b < unfiltered.total_b  # the förstelärare's words left out
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _filtered_keyness(app, pilot, "role=rektor role=verksamhetschef")
        assert _rows(screen.query_one("#key-table", DataTable)) == _keyness_rows(expected)
        assert screen.keyness_table is not None and screen.keyness_table.total_b == expected.total_b
        assert "in role=rektor|verksamhetschef" in str(screen.query_one("#key-summary").render())


@drive
async def test_keyness_filtered_by_a_set_equals_the_service_result(app: QualcodeApp, copy: Path) -> None:
    store = open_project(str(copy))
    try:
        school = workbench.open_document(store, 1).sentences
        owner = workbench.open_document(store, 2).sentences
        sets.create(store, "rubriker", "passages", passages=[Passage(1, school[0].start, school[4].end),
                                                              Passage(2, owner[0].start, owner[3].end)])
        selection = words.in_sets(store, words.Selection(), ["rubriker"], command="keyness")
        expected = words.keyness(store, "level", "owner", "school", selection, limit=200)
        unfiltered = words.keyness(store, "level", "owner", "school", limit=200)
    finally:
        store.close()
    assert expected.total_a < unfiltered.total_a and expected.total_b < unfiltered.total_b
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _filtered_keyness(app, pilot, "set=rubriker")
        assert _rows(screen.query_one("#key-table", DataTable)) == _keyness_rows(expected)
        assert screen.keyness_table is not None and screen.keyness_table.total_a == expected.total_a
        assert "passages of 1 set" in str(screen.query_one("#key-summary").render())
        # Grouped by set, the groups are sets already: a set filter besides is a message.
        shown = _rows(screen.query_one("#key-table", DataTable))
        app.clear_notifications()
        by = screen.query_one("#key-by", Input)
        by.value = "set"
        by.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert any("ambiguous" in n.message for n in app._notifications)
        assert _rows(screen.query_one("#key-table", DataTable)) == shown and isinstance(app.screen, WordsScreen)


# ------------------------------------------------------------------ snapshots


def test_words_frequencies_wide(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+k")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_words_kwic_narrow(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", *"mallen", "enter")
        await settle(app, pilot)
        await pilot.press("space")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_words_keyness_wide(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", *"owner", "tab", *"school", "enter")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_words_keyness_narrow(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", *"owner", "tab", *"school", "tab",
                          *"role=rektor role=verksamhetschef", "enter")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "narrow"])
def test_words_collocations(snap_compare, app: QualcodeApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+k", "ctrl+t", "ctrl+t", "ctrl+t", *"förvaltningen", "tab", "tab", "3", "tab",
                          "1", "enter")  # a field takes the focus with its text selected: typing replaces it
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "narrow"])
def test_codeline_view(snap_compare, app: QualcodeApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        pilot.app.screen.open_document(1)  # type: ignore[attr-defined]  # the group interview
        await pilot.press("f10", "p")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "narrow"])
def test_code_matrix_view(snap_compare, app: QualcodeApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("f10", "ctrl+t")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)
