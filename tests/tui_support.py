"""Waiting helpers shared by the workbench's Pilot tests."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerFailed


async def settle(app: App, pilot: Pilot) -> None:  # type: ignore[type-arg]
    """Let every worker finish (a failed one is reported by the app; tests check how),
    including the store's, opened once a first screen read without it is drawn, and
    those the keys held for the store start once they are replayed."""
    await until(pilot, lambda: not getattr(app, "store_pending", False), "the store to open", timeout=15.0)
    for _ in range(2):
        await pilot.pause()
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass
    await pilot.pause()


async def opened(pilot: Pilot, timeout: float = 15.0) -> None:
    """The main screen is up and its store open, with nothing left running: a screen
    drawn from the first-screen read is not yet one the store has caught up with."""
    from qualcode.tui.screens.main import MainScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen), "the main screen", timeout=timeout)
    await settle(pilot.app, pilot)


async def until(pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 4.0) -> None:
    """Poll ``condition`` while the app runs; fail naming ``what`` after ``timeout`` seconds."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")
