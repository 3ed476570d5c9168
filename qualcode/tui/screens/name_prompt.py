"""Asks for a name (of a saved query; Escape leaves without one), and keeps the query under it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.storage.store import Store


class NamePrompt(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "a name") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(placeholder=self.placeholder, id="name-prompt")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if name:
            self.dismiss(name)
        else:
            self.notify("Type a name first.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


def save_query(screen: Screen, store: Store, title: str, command: str, args: list[str],
               coder: str | None) -> None:
    """Ask for a name, then keep ``qualcode COMMAND ARGS`` as a saved query under it."""

    def save(name: str | None) -> None:
        from qualcode.services import queries

        if not name:
            return
        try:
            saved = queries.save(store, name, command, args, coder=coder)
        except QualcodeError as error:
            screen.notify(error.message, title="Save query", severity="error")
            return
        screen.notify(f"Saved as '{saved.name}': qualcode query run {saved.name}", title="Save query")

    screen.app.push_screen(NamePrompt(title, "query name"), save)
