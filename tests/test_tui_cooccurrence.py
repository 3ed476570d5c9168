"""The Co-occurrence tab of the pictures screen (F10): its pairs, counts and modes against
:func:`qualcode.services.pictures.code_network`, Enter's jump to the passages the
service gives for a pair, and the empty states, on a small project built here.
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
from textual.widgets import DataTable, Label, TabbedContent

from qualcode.core.pictures import CodeNetwork, NetworkNode
from qualcode.services import codebook, coder_scope, coding, compare, corpus, pictures
from qualcode.services.project import create_project, open_project
from qualcode.tui import screens
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding_pictures import NETWORK_MODES, CodingPicturesScreen, bar
from qualcode.tui.screens.main import MainScreen
from tests.test_tui_snapshots import BOOKS, SPEAKERS, TRANSCRIPT
from tests.tui_support import opened, settle, until

# (coder, code, start, end) in the transcript's stored text: sentence 1 is 62-117,
# sentence 2 118-214, sentence 6 321-437, sentence 9 530-601, sentence 11 668-696.
CODINGS = (
    ("anna", "cp.tight", 62, 117), ("anna", "cp.loose", 62, 80),           # overlapping
    ("anna", "cp.bypassed", 118, 150), ("anna", "cp.loose", 180, 214),     # one sentence, apart
    ("anna", "cp.tight", 321, 437), ("anna", "cp.bypassed", 321, 437),     # overlapping
    ("anna", "cp.tight", 530, 601), ("anna", "cp.bypassed", 540, 560),     # overlapping
    ("anna", "cp.form", 668, 696),                                         # two sentences on
    ("anna", "rt.ostensive", 215, 239),                                    # alone in its codebook
    ("bo", "cp.loose", 321, 437), ("bo", "cp.form", 62, 117),              # a second coder's
)


@pytest.fixture(scope="module")
def project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cooccurrence-tab")
    (folder / "skola9_rektor.md").write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "speakers.yaml").write_text(SPEAKERS, encoding="utf-8")
    path = folder / "network.qualcode"
    store = create_project(path, name="Network project")
    try:
        report = corpus.import_paths(store, [folder / "skola9_rektor.md"], speaker_map=folder / "speakers.yaml")
        assert not report.failed, report.failed
        for book in BOOKS:
            codebook.load_spec(store, book)
        for coder, code, start, end in CODINGS:
            coding.apply_code(store, 1, code, coder, coding.Span(start, end))
    finally:
        store.close()
    return path


@pytest.fixture
def copy(project_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "snapshot")
    monkeypatch.setattr(screens.main, "CHANGE_CHECK_S", 3600.0)
    target = tmp_path / "network.qualcode"
    shutil.copyfile(project_file, target)
    return target


@pytest.fixture
def app(copy: Path) -> QualcodeApp:
    return QualcodeApp(str(copy), coder="anna", suggestions=False)


def drive(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test on its own event loop (as the other workbench tests do)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def _rows(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(getattr(c, "plain", c)).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def _expected(network: CodeNetwork, width: int) -> list[list[str]]:
    """The table as the service's network reads: strongest pair first, then codebook order,
    the bars ``width`` cells at most."""
    top = max(n for _, _, n in network.edges)
    rows = []
    for a, b, n in sorted(network.edges, key=lambda e: (-e[2], e[0], e[1])):
        first, second = network.nodes[a], network.nodes[b]
        rows.append([first.key, second.key, str(n), bar(n, top, width), str(first.codings), str(second.codings)])
    return rows


async def _network_tab(app: QualcodeApp, pilot: Pilot) -> CodingPicturesScreen:
    await opened(pilot)
    await pilot.press("f10", "ctrl+t", "ctrl+t")
    await until(pilot, lambda: isinstance(app.screen, CodingPicturesScreen), "the pictures screen")
    screen = app.screen
    assert isinstance(screen, CodingPicturesScreen)
    assert screen.query_one(TabbedContent).active == "pic-network"
    return screen


def _network(copy: Path, mode: str, window: int | None, coders: tuple[str, ...]) -> CodeNetwork:
    store = open_project(str(copy))
    try:
        return pictures.code_network(store, codebook="coupling", mode=mode, window=window, coders=coders)
    finally:
        store.close()


def test_the_bar_is_scaled_to_the_strongest_pair() -> None:
    assert bar(4, 4, 10) == "█" * 10
    assert bar(2, 4, 10) == "█" * 5
    assert bar(1, 3, 4) == "█▍"  # 1.33 cells: one and three eighths
    assert bar(1, 1000, 10) == "▏"  # never nothing for a pair that occurs
    assert bar(0, 4, 10) == ""


@drive
async def test_pairs_and_counts_equal_the_service_in_every_mode(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _network_tab(app, pilot)
        assert screen.codebook == "coupling"
        store = open_project(str(copy))
        try:
            scope = coder_scope.resolve(store, None)
        finally:
            store.close()
        assert scope.coders == ("anna",) and screen.scope == scope
        table = screen.query_one("#network-table", DataTable)
        assert screen.focused is table
        summary = screen.query_one("#network-summary", Label)
        seen = []
        for mode, window, _ in NETWORK_MODES:
            expected = _network(copy, mode, window, scope.coders)
            assert screen.network == expected
            width = table.columns["bar"].width  # type: ignore[index]
            assert _rows(table) == _expected(expected, width)
            assert len(_rows(table)[0][3]) == width  # the strongest pair fills the column
            text = str(summary.render())
            assert expected.caption.split(";")[0] in text and "Coder: anna" in text
            seen.append(_rows(table))
            await pilot.press("m")
            await pilot.pause()
        assert screen.network_mode == 0  # round again
        # each mode counts differently here, as the service does
        assert seen[0] != seen[1] != seen[2]
        assert "within 2 sentences" in _network(copy, "near", 2, scope.coders).caption
        # the pooled network would differ: the table is the scope's, not every coder's
        assert _expected(_network(copy, "overlap", None, ()), width) != seen[0]


@drive
async def test_enter_jumps_to_the_passages_behind_the_pair(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _network_tab(app, pilot)
        await pilot.press("m")  # the same sentence
        await pilot.pause()
        table = screen.query_one("#network-table", DataTable)
        table.move_cursor(row=1)
        await pilot.pause()
        network = screen.network
        assert network is not None and network.mode == "segment"
        a, b, pairs = screen.pairs[1]
        first, second = network.nodes[a].key, network.nodes[b].key
        assert first in str(screen.query_one("#network-pair", Label).render())
        store = open_project(str(copy))
        try:
            behind = compare.cooccurrence_passages(
                store, compare.CooccurrenceQuery(codebook="coupling", mode="segment", coders=("anna",)),
                first, second)
        finally:
            store.close()
        assert len(behind) == pairs
        expected = tuple(sorted({(p.document_id, p.start, p.end) for pair in behind for p in pair}))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "back on the main screen")
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.hits == expected and main.hit_index == 0
        assert main.reader.target_span().start == expected[0][1]


@drive
async def test_a_codebook_without_pairs_and_no_codebook_say_so(app: QualcodeApp, copy: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        for book, message in (("routines", "no two codes co-occur"), (None, "No codebook loaded.")):
            app.push_screen(CodingPicturesScreen(main.store, 1, book))
            await until(pilot, lambda: isinstance(app.screen, CodingPicturesScreen), "the pictures screen")
            screen = app.screen
            await pilot.press("ctrl+t", "ctrl+t")
            await settle(app, pilot)
            table = screen.query_one("#network-table", DataTable)
            assert table.row_count == 0
            assert message in str(screen.query_one("#network-summary", Label).render())
            await pilot.press("enter")  # nothing to jump to: the screen stays
            await pilot.pause()
            assert app.screen is screen
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "back on the main screen")


@drive
async def test_the_tab_reads_at_80_by_24(app: QualcodeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _network_tab(app, pilot)
        await settle(app, pilot)
        table = screen.query_one("#network-table", DataTable)
        keys = [n.key for n in screen.network.nodes]  # type: ignore[union-attr]
        assert all(row[0] in keys and row[1] in keys for row in _rows(table))  # no key cut
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= screen.size.width - 4
        # a codebook's longest keys (26 characters) keep most of their name beside a bar
        long = CodeNetwork("x", tuple(NetworkNode(k, k, None, 1) for k in ("or.process-leader-training",
                                                                            "qs.responsibility-boundary")),
                           ((0, 1, 1),), "overlap", "")
        code, width = screen._network_widths(long)
        assert code >= 18 and width >= 6 and 2 * code + width + 27 <= screen.size.width - 2
        await pilot.press("ctrl+t")
        assert screen.query_one(TabbedContent).active == "pic-codeline"


# ------------------------------------------------------------------ snapshots


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "narrow"])
def test_cooccurrence_view(snap_compare, app: QualcodeApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await opened(pilot)
        await pilot.press("f10", "ctrl+t", "ctrl+t", "m", "m")  # within 2 sentences: the most pairs
        await settle(pilot.app, pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)
