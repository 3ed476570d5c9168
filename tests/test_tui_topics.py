"""The topics screen driven through Textual's Pilot on copies of the demo project.

One copy is embedded with the TF-IDF embedder and given a quick run (PCA + k-means)
through the service, once per module; each test then works on its own copy of that.
What the screen shows is checked against the service's own answers: the run's topics
and terms, the topic's passages (representatives first) and the span a jump lands on.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, ProgressBar

from qualcode.services import embedding_cache
from qualcode.services import topics as service
from qualcode.services.project import open_project
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.main import MainScreen
from qualcode.tui.screens.search import Jump
from qualcode.tui.screens.topics import TopicsScreen, quick_settings

from .tui_support import settle
from .tui_support import until as _until

CODER = "lena"
SIZE = (120, 40)
CODEBOOK = "organisational-routines"

Scenario = Callable[[QualcodeApp, Pilot], Awaitable[None]]


@pytest.fixture(scope="module")
def fitted_file(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The demo embedded with TF-IDF and one quick run stored: (path, run id)."""
    path = tmp_path_factory.mktemp("topics-tui") / "fitted.qualcode"
    shutil.copyfile(demo_file, path)
    store = open_project(path)
    try:
        tfidf = embedding_cache.resolve(store, "tfidf")
        embedding_cache.remember(store, "tfidf")  # what 'qualcode embed --embedder tfidf' records
        embedding_cache.vectors(store, tfidf, embedding_cache.segment_texts(store))  # sentences only: quicker
        run = service.fit_topics(store, quick_settings(store), label="demo quick").run
    finally:
        store.close()
    return path, run.id


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "tui-topics-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)


def _copy(source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.qualcode"
    shutil.copyfile(source, copy)
    return copy




def run_app(path: Path, scenario: Scenario) -> None:
    async def drive() -> None:
        app = QualcodeApp(str(path), coder=CODER, suggestions=False)
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
            await settle(app, pilot)
            await scenario(app, pilot)

    asyncio.run(drive())


def store_of(app: QualcodeApp) -> Store:
    assert app.store is not None
    return app.store


def errors(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


def test_run_topics_passages_and_the_jump(fitted_file: tuple[Path, int], tmp_path: Path, user: None) -> None:
    path, run_id = fitted_file
    jumps: list[Jump | None] = []
    listed: list[service.TopicPassage] = []

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        store = store_of(app)
        screen = TopicsScreen(store, CODEBOOK)
        await app.push_screen(screen, jumps.append)
        await pilot.pause()
        runs = screen.query_one("#topics-runs", OptionList)
        assert runs.option_count == 1 and "demo quick" in str(runs.get_option_at_index(0).prompt)
        await pilot.press("enter")
        table = screen.query_one("#topics-table", DataTable)
        await _until(pilot, lambda: table.display and table.row_count > 0, "the topics")
        view = service.run_topics(store, run_id)
        assert table.row_count == len(view.topics)
        coding = service.topics_vs_codes(store, run_id, codebook=CODEBOOK)
        for row, topic in enumerate(view.topics):
            cells = [str(c) for c in table.get_row_at(row)]
            assert cells[0].split()[0] == str(topic.number)
            assert cells[1] == str(topic.size)
            assert all(term in cells[4] for term, _ in topic.terms[:3])
            share = next(t for t in coding.topics if t.topic.number == topic.number)
            assert cells[2] == f"{1 - share.uncoded_share:.0%}"
            assert ("blind spot" in cells[3]) == (share in coding.blind_spots)
        # Enter on the second topic lists its passages, representatives first
        await pilot.press("down", "enter")
        passages = screen.query_one("#topics-passages", OptionList)
        await _until(pilot, lambda: passages.display and passages.option_count > 0, "the passages")
        topic = view.topics[1]
        expected = service.topic_passages(store, run_id, topic.number, limit=200)
        assert passages.option_count == len(expected) == min(topic.size, 200)
        assert [p.segment_id for p in screen.passages] == [p.segment_id for p in expected]
        listed.extend(expected)
        reps = len(topic.representatives)
        assert reps > 0 and all(p.representative for p in expected[:reps])
        assert str(passages.get_option_at_index(0).prompt).startswith("★")
        # Enter on the third passage jumps to it, the others as hits
        await pilot.press("down", "down", "enter")
        await _until(pilot, lambda: bool(jumps), "the jump")

    run_app(_copy(path, tmp_path), scenario)
    assert jumps == [Jump(listed[2].document_id, listed[2].start, listed[2].end,
                          tuple((p.document_id, p.start, p.end) for p in listed))]


def test_label_and_quick_fit_from_the_screen(fitted_file: tuple[Path, int], tmp_path: Path, user: None) -> None:
    path, run_id = fitted_file

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        store = store_of(app)
        screen = TopicsScreen(store, CODEBOOK)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("l")
        field = screen.query_one("#topics-label", Input)
        assert field.display and field.value == "demo quick"
        field.value = "rutiner"
        await pilot.press("enter")
        await pilot.pause()
        assert service.run_topics(store, run_id).run.label == "rutiner"
        assert "rutiner" in str(screen.query_one("#topics-runs", OptionList).get_option_at_index(0).prompt)
        await pilot.press("f")
        await _until(pilot, lambda: len(service.list_runs(store)) == 2 and screen.view is not None, "a new run")
        newest = max(service.list_runs(store), key=lambda r: r.id)
        assert newest.parameters["reducer"] == "pca" and newest.parameters["clusterer"] == "kmeans"
        assert screen.view is not None and screen.view.run.id == newest.id
        assert screen.query_one("#topics-table", DataTable).row_count == newest.topic_count
        assert not errors(app)

    run_app(_copy(path, tmp_path), scenario)


def test_fitting_without_embeddings_embeds_first_with_a_progress_bar(
        demo_file: Path, tmp_path: Path, user: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """f on a project with nothing embedded computes the vectors in the worker, then fits."""
    copy = _copy(demo_file, tmp_path)
    store = Store.open(copy)
    try:
        embedding_cache.remember(store, "tfidf")  # the fast embedder, nothing embedded yet
    finally:
        store.close()

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = TopicsScreen(store_of(app))
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.query_one("#topics-runs", OptionList).option_count == 0
        await pilot.press("f")
        await _until(pilot, lambda: bool(service.list_runs(store_of(app))) or bool(errors(app)),
                     "the fitted run", timeout=120)
        assert not errors(app)
        assert shown and all(total for total in shown)  # the bar knew how much there was to embed
        runs = screen.query_one("#topics-runs", OptionList)
        await _until(pilot, lambda: runs.option_count == 1, "the run in the list", timeout=30)

    shown: list[float | None] = []
    original = TopicsScreen._progress

    def watched(screen: TopicsScreen, done: int, total: int, what: str) -> None:
        original(screen, done, total, what)
        if what.startswith("embedding"):
            shown.append(screen.query_one("#topics-progress", ProgressBar).total)

    monkeypatch.setattr(TopicsScreen, "_progress", watched)
    run_app(copy, scenario)
