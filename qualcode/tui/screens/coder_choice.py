"""Choosing whose codings the workbench shows: tick coders, Enter confirms.

Counts, tints and stripes all follow the choice, so it is made in one place and said
in the header.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList

from qualcode.services.workbench import CoderCount


class CoderChoice(ModalScreen[list[str] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "confirm", "Show these", priority=True),
    ]

    def __init__(self, coders: list[CoderCount], chosen: list[str]) -> None:
        super().__init__()
        self.coders = coders
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Show whose codings? Space ticks a coder, Enter shows them.", classes="dialog-title")
            yield SelectionList[str](
                *[(f"{c.name}  ({c.codings} codings in {c.documents} documents)", c.name, c.name in self.chosen)
                  for c in self.coders], id="coder-choice")

    def action_confirm(self) -> None:
        picked = list(self.query_one(SelectionList).selected)
        if not picked:
            self.notify("Tick at least one coder (space), or Escape.", severity="warning")
            return
        self.dismiss(picked)

    def action_cancel(self) -> None:
        self.dismiss(None)
