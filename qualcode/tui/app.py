"""The workbench application: opens a project in a worker, asks for the coder, shows the main screen.

The storage layer and the main screen's code are imported by the opening worker, not at
the top of this module: Textual starts and draws its first frame while they load.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.timer import Timer
from textual.widgets import Label, LoadingIndicator
from textual.worker import Worker, WorkerState

from qualcode.errors import QualcodeError
from qualcode.services.project import remember_coder, remembered_coder
from qualcode.tui.screens.coder_prompt import CoderPrompt

if TYPE_CHECKING:
    from qualcode.storage.store import Store
    from qualcode.tui.screens.main import FirstView, MainScreen

_MAIN = "qualcode.tui.screens.main"
SPINNER_AFTER_S = 0.8


class QualcodeApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help"),
    ]

    def __init__(self, target: str, *, coder: str | None = None, suggestions: bool = True) -> None:
        super().__init__()
        self.target = target
        self.coder = coder
        self.suggestions = suggestions
        self.store: Store | None = None
        self._first: FirstView | None = None
        self._spinner_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Label(f"Opening {self.target}…", id="opening")
            spinner = LoadingIndicator()
            spinner.display = False  # shown only if opening is slow (see on_mount)
            yield spinner

    def on_mount(self) -> None:
        self.open_store()
        # The spinner redraws 16 times a second, which competes with the opening worker for
        # the interpreter: it appears only when opening takes long (an upgrade, a slow server).
        self._spinner_timer = self.set_timer(SPINNER_AFTER_S, self._show_spinner)

    def _stop_spinner_timer(self) -> None:
        if self._spinner_timer is not None:
            self._spinner_timer.stop()

    def _show_spinner(self) -> None:
        if self.store is None:
            for spinner in self.query(LoadingIndicator):
                spinner.display = True

    @work(thread=True, exit_on_error=False, group="open")
    def open_store(self) -> tuple[Store, FirstView | None]:
        """Opening may upgrade the schema or wait on a busy server: never on the UI thread.

        The modules the main screen needs are imported here as well, and, when the coder
        is known, what it shows first is read, so the UI thread only draws it.
        """
        from qualcode.services.project import open_project

        store = open_project(self.target)
        try:
            from qualcode.tui.screens.main import first_view

            name = self.coder or remembered_coder(store)
            first = None
            if name:
                try:
                    first = first_view(store, name)
                except QualcodeError:
                    first = None  # the screen reads it again and reports the failure itself
        except BaseException:
            store.close()
            raise
        return store, first

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            message = error.message if isinstance(error, QualcodeError) else str(error)
            hint = getattr(error, "hint", None)
            if event.worker.group != "open":
                self.notify(message + (f"\n{hint}" if hint else ""), title="Something failed",
                            severity="error", timeout=15)
                return
            self.notify(message + (f"\n{hint}" if hint else ""), title="Cannot open the project",
                        severity="error", timeout=30)
            self.query_one("#opening", Label).update(f"Could not open {self.target}. Press q to quit.")
            self._stop_spinner_timer()
            self.query_one(LoadingIndicator).display = False
        elif event.state == WorkerState.SUCCESS and event.worker.group == "open":
            self.store, self._first = event.worker.result
            # Covered by the main screen it would still redraw 16 times a second: a fifth of a core.
            self._stop_spinner_timer()
            self.query_one(LoadingIndicator).remove()
            self._choose_coder()

    def _choose_coder(self) -> None:
        assert self.store is not None
        name = self.coder or remembered_coder(self.store)
        if name:
            self._start(name)
        else:
            self.push_screen(CoderPrompt(), self._start)

    def _start(self, name: str | None) -> None:
        if not name or self.store is None:
            return
        from qualcode.tui.screens.main import MainScreen

        remember_coder(self.store, name)
        self.coder = name
        first, self._first = self._first, None
        self.push_screen(MainScreen(self.store, name, suggestions=self.suggestions, first=first))

    def on_resize(self, event: events.Resize) -> None:
        """Under 100 columns dialogs take the whole screen (see app.tcss)."""
        self.set_class(event.size.width < 100, "-narrow")

    def on_key(self, event: events.Key) -> None:
        """Code shortcuts, handled in the order keys arrive (see MainScreen.apply_shortcut)."""
        screen = self._main_screen()
        if screen is not None and event.character and screen.apply_shortcut(event.character):
            event.stop()
            event.prevent_default()

    def action_help(self) -> None:
        screen = self._main_screen()
        if screen is not None:
            self.push_screen(screen.help_screen())

    def _main_screen(self) -> MainScreen | None:
        """The current screen if it is the main screen (whose module loads with the project)."""
        main = sys.modules.get(_MAIN)
        screen = self.screen
        return screen if main is not None and isinstance(screen, main.MainScreen) else None

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()


def run(target: str, coder: str | None = None) -> None:
    QualcodeApp(target, coder=coder).run()
