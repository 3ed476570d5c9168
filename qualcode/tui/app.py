"""The workbench application: opens a project in a worker, asks for the coder, shows the main screen.

The storage layer and the main screen's code are imported by the opening worker, not at
the top of this module: Textual starts and draws its first frame while they load.

A current SQLite project whose coder is known is shown before the store is open: the
opening worker reads the first screen with the standard library
(:func:`qualcode.services.workbench.open_first_screen`), the main screen draws it, and
only then does a second worker open the store (the database toolkit and its table
mapping). Keys pressed meanwhile wait for it, in order, except those that need no store
(the reader's moves, help, quit): see :meth:`QualcodeApp.on_event`.
"""

from __future__ import annotations

import gc
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
from qualcode.services.project import remember_coder
from qualcode.tui.screens.coder_prompt import CoderPrompt

if TYPE_CHECKING:
    from qualcode.services.workbench import FirstScreen, FirstView
    from qualcode.storage.store import Store
    from qualcode.tui.screens.main import MainScreen

_MAIN = "qualcode.tui.screens.main"
SPINNER_AFTER_S = 0.8
GC_AT_LATEST_S = 3.0
STORE_AT_LATEST_S = 1.0  # after the first screen is shown, the store opens by then, painted or not


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
        self._opening: FirstScreen | None = None  # the light path's, until the store is open
        self._held: list[events.Key] = []  # keys pressed before the store was open
        self._replaying: events.Key | None = None
        self._store_failed = False
        self._open_failed = False
        self._store_asked = False
        self._spinner_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Label(f"Opening {self.target}…", id="opening")
            spinner = LoadingIndicator()
            spinner.display = False  # shown only if opening is slow (see on_mount)
            yield spinner

    def on_mount(self) -> None:
        self.open_store()
        self.set_timer(GC_AT_LATEST_S, gc.enable)  # off while starting (see cli.launch), whatever comes next
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
    def open_store(self) -> FirstScreen:
        """Opening may upgrade the schema or wait on a busy server: never on the UI thread.

        The modules the main screen needs are imported here as well, and, when the coder
        is known, what it shows first is read, so the UI thread only draws it: without
        the store where the project allows (the store is then opened after the first
        paint, by :meth:`open_full_store`).
        """
        from qualcode.services.workbench import open_first_screen
        from qualcode.tui.screens import main  # noqa: F401 (loaded here, off the UI thread)

        return open_first_screen(self.target, self.coder)

    @work(thread=True, exit_on_error=False, group="store")
    def open_full_store(self, opening: FirstScreen) -> Store:
        return opening.open_store()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            message = error.message if isinstance(error, QualcodeError) else str(error)
            hint = getattr(error, "hint", None)
            text = message + (f"\n{hint}" if hint else "")
            if event.worker.group not in ("open", "store"):
                self.notify(text, title="Something failed", severity="error", timeout=15)
                return
            self.notify(text, title="Cannot open the project", severity="error", timeout=30)
            if event.worker.group == "store":  # the main screen stays; keys that need the store say why not
                self._store_failed = True
                self._held.clear()
                return
            self._open_failed = True
            self.query_one("#opening", Label).update(f"Could not open {self.target}. Press q to quit.")
            self._stop_spinner_timer()
            self.query_one(LoadingIndicator).display = False
        elif event.state == WorkerState.SUCCESS and event.worker.group == "open":
            opening: FirstScreen = event.worker.result
            # Covered by the main screen it would still redraw 16 times a second: a fifth of a core.
            self._stop_spinner_timer()
            self.query_one(LoadingIndicator).remove()
            if opening.store is None:
                self._show_before_store(opening)
                return
            self.store, self._first = opening.store, opening.view
            self._choose_coder(opening.coder)
        elif event.state == WorkerState.SUCCESS and event.worker.group == "store":
            self._store_opened(event.worker.result)

    def _show_before_store(self, opening: FirstScreen) -> None:
        """The light path: the main screen from the first-screen read; the store opens
        once it is painted."""
        from qualcode.tui.screens.main import MainScreen

        assert opening.coder is not None
        self._opening = opening
        self.coder = opening.coder
        self.push_screen(MainScreen(None, opening.coder, suggestions=self.suggestions, first=opening.view))
        self.set_timer(STORE_AT_LATEST_S, self.on_main_screen_drawn)  # should the screen never say so

    @property
    def store_pending(self) -> bool:
        """Whether the store is still to come (or keys wait for it): false once it is open
        and every held key is on its way, or once opening failed."""
        if self._store_failed or self._open_failed:
            return False
        return self.store is None or self._opening is not None or bool(self._held)

    def on_main_screen_drawn(self) -> None:
        """The first screen is painted: the store's import no longer competes with it,
        and the garbage collector, off while starting (see cli.launch), is on again."""
        gc.enable()
        if self._opening is not None and not self._store_asked:
            self._store_asked = True
            self.open_full_store(self._opening)

    def _store_opened(self, store: Store) -> None:
        opening, self._opening = self._opening, None
        if opening is None:  # the app is closing
            store.close()
            return
        self.store = store
        screen = self._screen_waiting_for_store()
        if screen is not None:
            screen.watch_store(store)
        # Asked once the watch runs, and before this program writes: nothing is missed.
        changed = opening.changed_since_read()
        assert self.coder is not None
        try:
            remember_coder(store, self.coder)
        except QualcodeError as error:
            self.notify(error.message, title="Your coder name was not remembered", severity="warning")
        if screen is not None:
            screen.store_ready(changed=changed)
        self._replay_held()

    def _replay_held(self) -> None:
        """The held keys, in the order pressed, the usual way in: one at a time, each
        after the screen caught up with the one before (a key that moves the focus must
        have moved it before the next key arrives)."""
        if not self._held or self.store is None:
            return
        held = self._held.pop(0)
        self._replaying = events.Key(held.key, held.character)
        self.post_message(self._replaying)
        self.call_after_refresh(self._replay_held)

    def _screen_waiting_for_store(self) -> MainScreen | None:
        main = sys.modules.get(_MAIN)
        if main is None:
            return None
        for screen in self.screen_stack:
            if isinstance(screen, main.MainScreen) and screen.store is None:
                return screen
        return None

    async def on_event(self, event: events.Event) -> None:
        """Keys pressed before the store is open wait for it, unless they need none
        (see MainScreen.works_without_store); once one waits, every later key waits
        behind it, so that keys act in the order they were pressed."""
        if (isinstance(event, events.Key) and not event.is_forwarded and event is not self._replaying
                and self._holds(event)):
            if self._store_failed:
                self.notify("The project could not be opened: press q to quit.", severity="warning")
            else:
                if not self._held:
                    self.notify("Opening the project: your keys act in a moment.", timeout=2)
                self._held.append(event)
            return
        await super().on_event(event)

    def _holds(self, event: events.Key) -> bool:
        if self._held:  # behind the keys waiting (or being replayed)
            return True
        screen = self._main_screen()
        return screen is not None and screen.store is None and not screen.works_without_store(event.key)

    def _choose_coder(self, name: str | None) -> None:
        """``name``: the coder given or remembered (read with the first screen); else ask."""
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
        gc.enable()
        if self._opening is not None:
            self._opening.close()
            self._opening = None
        if self.store is not None:
            self.store.close()


def run(target: str, coder: str | None = None) -> None:
    QualcodeApp(target, coder=coder).run()
