"""Coding weights in the workbench through Textual's Pilot: w (or ctrl+w) on the coding under
the cursor asks for a weight, a bad one is refused and the dialog stays, u undoes it, and the
retrieval view shows it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from qualcode.services import coding
from qualcode.services.coding import Span
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.main import MainScreen
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.screens.weight_dialog import WeightDialog, parse_weight

from .tui_support import settle, until

CODER = "lena"
WAIT = 60.0  # generous: the test machine may be busy


@pytest.fixture
def project(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "tui-weights-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    copy = tmp_path / "demo.qualcode"
    shutil.copyfile(demo_file, copy)
    return copy


def run_app(path: Path, scenario: Callable[[QualcodeApp, Pilot, MainScreen], Awaitable[None]]) -> None:
    async def drive() -> None:
        app = QualcodeApp(str(path), coder=CODER, suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen", WAIT)
            assert isinstance(app.screen, MainScreen)
            await scenario(app, pilot, app.screen)

    asyncio.run(drive())


def _code_here(main: MainScreen) -> int:
    """Code the cursor's sentence as the workbench's coder; the coding's id."""
    assert main.document_id is not None
    span = main.reader.target_span()
    made = coding.apply_code(main.store, main.document_id, "loose-coupling:lc.tight", CODER, Span(span.start, span.end))
    main.refresh_codings()
    return made.id


async def _type(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()


def test_weight_is_set_refused_when_out_of_range_shown_and_undone(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot, main: MainScreen) -> None:
        coding_id = _code_here(main)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WeightDialog), "the weight dialog")
        assert app.screen.query_one("#weight-value", Input).value == ""  # no weight yet

        await _type(pilot, "150")
        assert isinstance(app.screen, WeightDialog)  # refused: still open, nothing written
        assert coding.get_coding(main.store, coding_id).weight is None

        app.screen.query_one("#weight-value", Input).value = ""
        await _type(pilot, "80")
        await until(pilot, lambda: app.screen is main, "the dialog to close")
        assert coding.get_coding(main.store, coding_id).weight == 80

        await pilot.press("ctrl+w")  # the key a code's shortcut cannot take
        await until(pilot, lambda: isinstance(app.screen, WeightDialog), "the weight dialog again")
        assert app.screen.query_one("#weight-value", Input).value == "80"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main, "the dialog to close on escape")
        assert coding.get_coding(main.store, coding_id).weight == 80

        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, RetrievalScreen), "the retrieval view")
        shown = [str(app.screen.query_one(OptionList).get_option_at_index(i).prompt)
                 for i in range(app.screen.query_one(OptionList).option_count)]
        mine = [text for text in shown if f"{CODER}  weight 80" in text]
        assert len(mine) == 1
        assert not any("weight" in text for text in shown if CODER not in text.split("\n")[0])
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main, "the retrieval view to close")

        await pilot.press("u")
        await pilot.pause()
        assert coding.get_coding(main.store, coding_id).weight is None  # undo restores the old value

    run_app(project, scenario)


def test_empty_input_clears_the_weight(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot, main: MainScreen) -> None:
        coding_id = _code_here(main)
        coding.set_weight(main.store, coding_id, 40, CODER)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WeightDialog), "the weight dialog")
        field = app.screen.query_one("#weight-value", Input)
        assert field.value == "40"
        field.value = ""
        await _type(pilot, "")
        await until(pilot, lambda: app.screen is main, "the dialog to close")
        assert coding.get_coding(main.store, coding_id).weight is None

    run_app(project, scenario)


def test_w_without_a_coding_under_the_cursor_says_so(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot, main: MainScreen) -> None:
        for shown in main.reader.codings_at_cursor():
            coding.remove_coding(main.store, shown.id, CODER)
        main.refresh_codings()
        await pilot.press("w")
        await pilot.pause()
        assert app.screen is main

    run_app(project, scenario)


@pytest.mark.parametrize(("text", "weight"), [("", None), (" 0 ", 0), ("100", 100)])
def test_parse_weight_accepts(text: str, weight: int | None) -> None:
    assert parse_weight(text) == weight


@pytest.mark.parametrize(("text", "says"), [("101", "outside 0-100"), ("-1", "outside 0-100"),
                                            ("eighty", "not a whole number")])
def test_parse_weight_refuses_with_a_reason(text: str, says: str) -> None:
    from qualcode.errors import CodingError

    with pytest.raises(CodingError, match=says):
        parse_weight(text)


def test_a_code_with_the_shortcut_w_keeps_it_and_ctrl_w_still_asks(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot, main: MainScreen) -> None:
        with main.store.unit_of_work() as uow:
            tight = next(c for c in uow.codebooks.codes() if c.key == "lc.tight")
            uow.codebooks.set_fields(tight.id, shortcut="w")
        main.load_codebooks()
        while main.books[main.active_book].codebook.slug != "loose-coupling":
            main.action_next_codebook()
        main.reader.focus()
        await pilot.pause()
        before = len(main.reader.codings_at_cursor())
        await pilot.press("w")
        await until(pilot, lambda: len(main.reader.codings_at_cursor()) == before + 1, "the code applied by w")
        assert app.screen is main
        await pilot.press("ctrl+w")
        await until(pilot, lambda: isinstance(app.screen, WeightDialog), "the weight dialog on ctrl+w")

    run_app(project, scenario)
