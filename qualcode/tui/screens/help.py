"""Every key binding of the workbench, and the active codebook's shortcut keys."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from qualcode.core.codebook import Code


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, bindings: list[tuple[str, str]], shortcuts: list[Code]) -> None:
        super().__init__()
        self.bindings = bindings
        self.shortcuts = shortcuts

    def compose(self) -> ComposeResult:
        keys = Table(box=None, show_header=False, padding=(0, 2))
        keys.add_column(style="bold")
        keys.add_column()
        for key, description in self.bindings:
            keys.add_row(key, description)
        codes = Table(box=None, show_header=False, padding=(0, 2))
        codes.add_column(style="bold")
        codes.add_column()
        for code in self.shortcuts:
            codes.add_row(code.shortcut or "", f"{code.label_en} ({code.key})")
        with VerticalScroll(classes="dialog wide"):
            yield Label("Keys", classes="dialog-title")
            yield Static(keys)
            yield Label("Code shortcuts of the active codebook", classes="dialog-title")
            yield Static(codes if self.shortcuts else "This codebook has no shortcut keys.")
            yield Label("Esc closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
