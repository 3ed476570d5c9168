"""The workbench's first screen read without the store, and the store opened after it.

The light read must give exactly what the store gives (the same records, the same
counts, the same codings hidden by an open sample); keys pressed before the store is
open must act once it is, in order; and what the light path cannot read (an old schema,
a server) opens as before.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from qualcode.core.model import Coding
from qualcode.errors import NotFoundError, StoreError
from qualcode.services import agreement, coding, corpus, workbench
from qualcode.services.coding import Span
from qualcode.services.project import open_project, remember_coder
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.main import MainScreen
from qualcode.tui.widgets.reader import TranscriptReader

from .tui_support import settle, until

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "first-screen-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    copy = tmp_path / "demo.qualcode"
    shutil.copyfile(demo_file, copy)
    return copy


def _through_the_store(target: str | Path, coder: str) -> workbench.FirstView:
    store = open_project(target)
    try:
        return workbench.first_view(store, coder)
    finally:
        store.close()


def _light(target: str | Path, coder: str | None) -> workbench.FirstScreen:
    opened = workbench.open_first_screen(target, coder)
    assert opened.store is None and opened.reads is not None, "the light path was not taken"
    return opened


# ------------------------------------------------------------ the same data


@pytest.mark.parametrize("coder", ["anna", "consensus", "someone-new"])
def test_the_light_first_screen_is_what_the_store_reads_on_the_demo(demo: Path, coder: str) -> None:
    opened = _light(demo, coder)
    try:
        expected = _through_the_store(demo, coder)
        assert opened.view == expected
        assert opened.view is not None and opened.view.document is not None
        assert opened.view.books and opened.view.document.codings  # something was compared
        assert not opened.changed_since_read()
    finally:
        opened.close()


def test_the_light_first_screen_hides_what_an_open_sample_hides(demo: Path) -> None:
    """Several coders on an open double-coding sample: each sees the others' codings
    neither in the reader nor in the counts, on both paths."""
    store = Store.open(demo)
    try:
        documents = corpus.list_documents(store)
        agreement.draw_sample(store, "open-round", ["anna", "bo", "cecilia"], size=len(documents), seed=7)
        agreement.mark_done(store, "open-round", "cecilia")
        remember_coder(store, "bo")
    finally:
        store.close()
    for coder in ("anna", "bo", "cecilia"):
        opened = _light(demo, coder)
        try:
            expected = _through_the_store(demo, coder)
            assert opened.view == expected, coder
        finally:
            opened.close()
    anna = _through_the_store(demo, "anna")
    cecilia = _through_the_store(demo, "cecilia")
    assert anna.document is not None and cecilia.document is not None
    assert {c.coder for c in anna.document.codings} < {c.coder for c in cecilia.document.codings}
    remembered = _light(demo, None)  # the coder this user last worked as
    try:
        assert remembered.coder == "bo" and remembered.view == _through_the_store(demo, "bo")
    finally:
        remembered.close()


def test_a_write_after_the_light_read_is_noticed(demo: Path) -> None:
    opened = _light(demo, "anna")
    try:
        assert opened.view is not None and opened.view.document is not None
        store = opened.open_store()
        book = opened.view.books[0]
        code = book.codes[0][0]
        coding.apply_code(store, opened.view.document.summary.id, f"{book.codebook.slug}:{code.key}", "bo",
                          Span(0, 5))
        assert opened.changed_since_read()
    finally:
        opened.close()


# ------------------------------------------------------------ what it cannot read


def test_an_old_schema_opens_through_the_store_and_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    opened = workbench.open_first_screen(path, "tester")
    try:
        assert opened.store is not None and opened.reads is None
        assert opened.store.backup_path is not None  # upgraded on the way
        assert opened.view is not None and opened.view.document is not None
        assert opened.view == workbench.first_view(opened.store, "tester")
    finally:
        opened.close()


def test_a_project_on_either_database_gives_the_same_first_screen(coded_store: Store) -> None:
    """SQLite takes the light path, PostgreSQL the store's; both show the same."""
    store = coded_store
    (document,) = corpus.list_documents(store)
    coding.apply_code(store, document.id, "steering:followup", "anna", Span(0, 10))
    coding.apply_code(store, document.id, "steering:voice", "bo", Span(12, 30))
    target = store.location.path or store.location.url
    opened = workbench.open_first_screen(target, "anna")
    try:
        assert (opened.store is None) == (store.location.path is not None)
        assert opened.view == workbench.first_view(store, "anna")
    finally:
        opened.close()


def test_without_a_coder_the_store_opens_first_as_before(demo: Path) -> None:
    opened = workbench.open_first_screen(demo, None)
    try:
        assert opened.store is not None and opened.coder is None and opened.view is None
    finally:
        opened.close()


# ------------------------------------------------------------ keys before the store


@pytest.fixture
def store_gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The store opens only once the test sets this: in the test process the database
    toolkit is loaded already, and the store would open before any key was pressed."""
    gate = threading.Event()
    opening = workbench.FirstScreen.open_store

    def open_store(self: workbench.FirstScreen) -> Store:
        assert gate.wait(10), "the test never let the store open"
        return opening(self)

    monkeypatch.setattr(workbench.FirstScreen, "open_store", open_store)
    return gate


async def _first_screen_up(app: QualcodeApp, pilot: Pilot) -> MainScreen:
    def drawn() -> bool:
        screen = app.screen
        readers = screen.query(TranscriptReader) if isinstance(screen, MainScreen) else None
        return bool(readers) and readers.first().document is not None

    await until(pilot, drawn, "the first screen", timeout=10)
    assert isinstance(app.screen, MainScreen)
    return app.screen


def _stored(path: Path, coder: str) -> list[Coding]:
    store = Store.open(path)
    try:
        return coding.list_codings(store, coder=coder)
    except NotFoundError:  # the coder is added once the store is open
        return []
    finally:
        store.close()


def test_keys_pressed_before_the_store_is_open_act_once_it_is(demo: Path, store_gate: threading.Event) -> None:
    """A move, a code's shortcut and another move, pressed the moment the first screen
    is up: the move acts at once, the rest waits for the store and then acts in order."""
    seen: dict[str, object] = {}

    async def drive() -> None:
        app = QualcodeApp(str(demo), coder="tester", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _first_screen_up(app, pilot)
            seen["store at first"] = screen.store
            shortcut = next(c.shortcut for c, _, _ in screen.books[screen.active_book].codes if c.shortcut)
            seen["code"] = next(c.key for c, _, _ in screen.books[screen.active_book].codes
                                if c.shortcut == shortcut)
            reader = screen.query_one(TranscriptReader)
            assert reader.document is not None
            seen["sentences"] = [(s.start, s.end) for s in reader.document.sentences]
            await pilot.press("down", shortcut, "down", "down", shortcut)
            seen["sentence before the store"] = reader.sentence
            seen["nothing coded before the store"] = not _stored(demo, "tester")
            store_gate.set()
            await until(pilot, lambda: screen.store is not None, "the store", timeout=15)
            await settle(app, pilot)
            seen["sentence after"] = reader.sentence
            seen["changes watched"] = screen.changes is not None
            seen["notes"] = [n.message for n in app._notifications]

    asyncio.run(drive())
    assert seen["store at first"] is None, "the first screen waited for the store"
    assert seen["sentence before the store"] == 1  # the first move needs no store
    assert seen["nothing coded before the store"]
    assert seen["sentence after"] == 3
    sentences = seen["sentences"]
    assert isinstance(sentences, list)
    made = _stored(demo, "tester")
    assert sorted((c.start, c.end) for c in made) == [sentences[1], sentences[3]]
    assert seen["changes watched"]
    assert not any("changed" in str(n).lower() for n in seen["notes"])  # type: ignore[union-attr]


def test_a_document_chosen_before_the_store_is_open_opens_once_it_is(demo: Path,
                                                                     store_gate: threading.Event) -> None:
    seen: dict[str, object] = {}

    async def drive() -> None:
        app = QualcodeApp(str(demo), coder="tester", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _first_screen_up(app, pilot)
            seen["store at first"] = screen.store
            await pilot.press("ctrl+o", "down", "enter")
            store_gate.set()
            await until(pilot, lambda: screen.store is not None, "the store", timeout=15)
            await settle(app, pilot)
            reader = screen.query_one(TranscriptReader)
            assert reader.document is not None
            seen["opened"] = reader.document.summary.name
            seen["second"] = screen.query_one("#documents").get_option_at_index(1).id
            seen["second id"] = str(reader.document.summary.id)

    asyncio.run(drive())
    assert seen["store at first"] is None
    assert seen["second"] == seen["second id"]


def test_the_collector_is_on_again_once_the_first_screen_is_painted(demo: Path) -> None:
    """``qualcode open`` turns the garbage collector off while starting."""
    seen: dict[str, bool] = {}

    async def drive() -> None:
        app = QualcodeApp(str(demo), coder="tester", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await _first_screen_up(app, pilot)
            await settle(app, pilot)
            seen["on"] = gc.isenabled()

    gc.disable()
    try:
        asyncio.run(drive())
    finally:
        gc.enable()
    assert seen["on"]


def test_a_store_that_fails_to_open_after_the_first_screen_is_reported(demo: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: workbench.FirstScreen) -> Store:
        raise StoreError("The project is locked by a test.")

    monkeypatch.setattr(workbench.FirstScreen, "open_store", refuse)
    seen: dict[str, object] = {}

    async def drive() -> None:
        app = QualcodeApp(str(demo), coder="tester", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _first_screen_up(app, pilot)
            await settle(app, pilot)
            await pilot.press("down", "t", "ctrl+r")  # a move, a shortcut, a screen: none can run
            await pilot.pause()
            seen["store"] = screen.store
            seen["screen"] = app.screen
            seen["notes"] = [n.message for n in app._notifications]
            await pilot.press("q")
            await pilot.pause()
            seen["running"] = app.is_running

    asyncio.run(drive())
    assert seen["store"] is None and isinstance(seen["screen"], MainScreen)
    notes = seen["notes"]
    assert isinstance(notes, list)
    assert any("locked by a test" in n for n in notes)
    assert any("press q to quit" in n for n in notes)
    assert not seen["running"]
