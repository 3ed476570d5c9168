"""The workbench's pseudonym toggle (f4), driven through Textual's Pilot: with it on, no
form of any table entry is on screen (reader, title, document list, context panel,
retrieval), the title says so, and offsets (what a code would cover) stay those of the
stored text."""

from __future__ import annotations

import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Label, OptionList

from qualcode.services import pseudonyms
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.widgets.context_panel import ContextPanel
from qualcode.tui.widgets.document_list import DocumentList

from .test_tui import demo_file, main_screen, project, run_app  # noqa: F401 - fixtures

TABLE = [("Björkskolan", "skola A", "school"), ("Ekdalsskolan", "skola B", "school"),
         ("Hamnskolan", "skola C", "school"), ("Lindgymnasiet", "skola D", "school"),
         ("Sjöviks kommun", "kommun X", "place"), ("Sjövik", "kommun X", "place")]


def _with_table(path: Path) -> list[str]:
    store = Store.open(path)
    try:
        for original, replacement, category in TABLE:
            pseudonyms.add(store, pseudonyms.make_entry(original, replacement, category))
        return [f for e in pseudonyms.entries(store) for f in e.all_forms()]
    finally:
        store.close()


def _leaks(text: str, forms: list[str]) -> list[str]:
    return [f for f in forms if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text, re.IGNORECASE)]


def _on_screen(app: QualcodeApp) -> str:
    screen = main_screen(app)
    reader = screen.reader
    lines = [reader.render_line(y).text for y in range(reader.size.height)]
    title = screen.query_one("#document-title", Label).render()
    listed = [str(o.prompt) for o in screen.query_one(DocumentList).options]
    return "\n".join([*lines, str(title), screen.sub_title, screen.query_one(ContextPanel).plain, *listed])


def test_f4_shows_no_table_entry_on_screen_and_says_so(project: Path) -> None:  # noqa: F811
    forms = _with_table(project)

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        store = screen.store
        with store.unit_of_work() as uow:
            first = next(d.id for d in uow.documents.list() if d.name == "01_processtodjare")
        screen.open_document(first)
        await pilot.pause()
        assert _leaks(_on_screen(app), forms)  # the names are there to hide
        span_before = screen.reader.target_span()
        await pilot.press("f4")
        await pilot.pause()
        shown = _on_screen(app)
        assert _leaks(shown, forms) == []
        assert "pseudonymised" in shown and "kommun X" in shown
        assert screen.reader.target_span() == span_before  # offsets of the stored text, unchanged
        for _ in range(6):  # down the transcript: every line drawn is pseudonymised
            await pilot.press("pagedown")
            await pilot.pause()
            assert _leaks(_on_screen(app), forms) == []
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, RetrievalScreen)
        await pilot.press(*"lc.tight", "enter")
        await pilot.pause()
        listed = "\n".join(str(o.prompt) for o in app.screen.query_one(OptionList).options)
        assert listed and _leaks(listed, forms) == []
        await pilot.press("escape")
        await pilot.press("f4")  # and back to the names as written
        await pilot.pause()
        assert "pseudonymised" not in _on_screen(app)

    run_app(project, scenario)


def test_f4_with_an_empty_table_says_so_and_stays_off(project: Path) -> None:  # noqa: F811
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("f4")
        await pilot.pause()
        assert main_screen(app).reader.pseudonyms is None
        said = [n.message for n in app._notifications if "pseudonym table is empty" in n.message]
        assert said and "ctrl+y" in said[0]  # the way to fill it from here

    run_app(project, scenario)


def test_the_pseudonym_table_screen_adds_and_removes_entries(project: Path) -> None:  # noqa: F811
    from qualcode.tui.screens.pseudonym_table import PseudonymTable

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("ctrl+y")
        assert isinstance(app.screen, PseudonymTable)
        await pilot.press(*"Björkskolan", "enter", *"skola A", "tab", *"school", "enter")
        await pilot.pause()
        assert [(e.original, e.replacement, e.category) for e in pseudonyms.entries(screen.store)] == [
            ("Björkskolan", "skola A", "school")]
        await pilot.press(*"Lund", "enter", *"lund", "enter")  # replaced by itself: refused, says why
        await pilot.pause()
        assert any("replaced by itself" in n.message for n in app._notifications)
        assert len(pseudonyms.entries(screen.store)) == 1
        app.screen.query_one("#pseudonym-entries").focus()
        await pilot.press("delete")
        await pilot.pause()
        assert pseudonyms.entries(screen.store) == []
        await pilot.press("escape")
        assert app.screen is screen

    run_app(project, scenario)
