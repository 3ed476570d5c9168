"""The workbench notices another process's change and offers to reload (F5).

A second connection (as a script or another coder's workbench would) writes a coding
while the workbench is open: the workbench says so in a notification and its title, shows
the coding only once F5 is pressed, and does not take its own codings for someone else's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from qualcode.services import coding
from qualcode.services.coding import Span
from qualcode.storage.store import Store
from qualcode.tui import screens
from qualcode.tui.app import QualcodeApp

from .test_tui import demo_file, main_screen, notes, project, run_app
from .tui_support import until

__all__ = ["demo_file", "project"]  # fixtures, used by name


@pytest.fixture(autouse=True)
def _look_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screens.main, "CHANGE_CHECK_S", 0.1)


def _changed_notes(app: QualcodeApp) -> list[str]:
    return [n for n in notes(app) if "Someone else changed the project" in n]


def test_a_coding_written_elsewhere_is_offered_and_f5_shows_it(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        assert screen.document_id is not None and screen.reader.document is not None
        code, _, _ = screen.books[screen.active_book].codes[0]
        slug = screen.books[screen.active_book].codebook.slug

        # Our own coding first: the workbench must not take it for someone else's.
        screen.apply(code)
        await pilot.pause(0.5)
        assert _changed_notes(app) == [] and not screen.changed_elsewhere

        other = Store.open(project)
        try:
            made = coding.apply_code(other, screen.document_id, f"{slug}:{code.key}", "bo", Span(0, 12))
        finally:
            other.close()
        await until(pilot, lambda: bool(_changed_notes(app)), "the offer to reload")
        assert "F5" in _changed_notes(app)[0]
        assert screen.changed_elsewhere
        assert "changed elsewhere: F5 reloads" in str(screen.query_one("#document-title").render())
        assert made.id not in {c.id for c in screen.reader.document.codings}  # not until asked

        await pilot.press("f5")
        await pilot.pause()
        assert made.id in {c.id for c in screen.reader.document.codings}
        assert not screen.changed_elsewhere
        assert "changed elsewhere" not in str(screen.query_one("#document-title").render())
        await pilot.pause(0.5)
        assert len(_changed_notes(app)) == 1  # told once, and quiet after the reload

    run_app(project, scenario)
