"""The workbench on a project with nothing in it yet, and on unusual small transcripts.

A new researcher's first ``qualcode init`` then ``qualcode open`` must not meet a blank
screen: it says how to import, keys that need a document say why nothing happened, and
F5 after an import opens the first transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from qualcode.services import corpus
from qualcode.services.project import create_project, open_project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.main import NO_DOCUMENTS, MainScreen

from .tui_support import opened

CODER = "nova"


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "tui-empty-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    path = tmp_path / "empty.qualcode"
    create_project(path, name="empty").close()
    return path


def run_app(path: Path, scenario: Callable[[QualcodeApp, Pilot], Awaitable[None]]) -> None:
    async def drive() -> None:
        app = QualcodeApp(str(path), coder=CODER, suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            await scenario(app, pilot)

    asyncio.run(drive())


def title(app: QualcodeApp) -> str:
    return str(app.screen.query_one("#document-title", Label).render())


def warnings(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "warning"]


def test_an_empty_project_says_how_to_import_and_f5_opens_the_first_import(empty: Path, tmp_path: Path) -> None:
    source = tmp_path / "first.txt"
    source.write_text("Intervjuare: Hur började det?\nRektor: Med ett brev från Skolverket.\n", encoding="utf-8")

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert title(app) == NO_DOCUMENTS
        await pilot.press("m")  # a memo needs a document
        await pilot.pause()
        assert NO_DOCUMENTS in warnings(app)

        other = open_project(empty)  # another terminal imports meanwhile
        try:
            assert not corpus.import_paths(other, [source]).failed
        finally:
            other.close()
        await pilot.press("f5")
        await pilot.pause()
        assert screen.document_id is not None
        assert "first" in title(app) and CODER in title(app)

    run_app(empty, scenario)
