"""Asks once per project who is coding; the answer is remembered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class CoderPrompt(ModalScreen[str]):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Who is coding? Your codings are kept under this name.", classes="dialog-title")
            yield Input(placeholder="your name, e.g. anna", id="coder-name")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if name:
            self.dismiss(name)
        else:
            self.notify("Type a name first.", severity="warning")
