"""The reported workbench case: a memo never moves to the next coding applied.

Apply with ``t``, memo with ``m``, remove with ``delete``, apply again elsewhere: the
new coding has a new id and no memo; ``u`` twice brings the first back with its memo.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from qualcode.services import coding
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp

from .test_tui import CODER, demo_file, main_screen, project, run_app, stored  # noqa: F401


def _coding_memos(path: Path) -> list[tuple[int | None, str]]:
    """The test's memo (the demo's own memos aside): on which coding it is."""
    store = Store.open(path)
    try:
        return [(m.target_id, m.text) for m in coding.all_memos(store) if m.text == "stark"]
    finally:
        store.close()


def test_a_memo_stays_with_its_coding_through_remove_apply_and_undo(project: Path) -> None:  # noqa: F811
    first: list[int] = []

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("t", "m")
        await pilot.press(*"stark", "ctrl+s")
        (made,) = stored(project, coder=CODER)
        first.append(made.id)
        assert _coding_memos(project) == [(made.id, "stark")]
        await pilot.press("delete")
        assert stored(project, coder=CODER) == [] and _coding_memos(project) == []  # gone with it
        await pilot.press("down", "down", "t")
        (again,) = stored(project, coder=CODER)
        assert again.id > made.id
        assert _coding_memos(project) == []  # not on the new coding
        assert main_screen(app).reader.codings_at_cursor()
        await pilot.press("u", "u")

    run_app(project, scenario)
    (restored,) = stored(project, coder=CODER)
    assert restored.id == first[0]
    assert _coding_memos(project) == [(first[0], "stark")]
