"""Setting the weight of one coding: how intense the passage is, 0-100.

A weight is MAXQDA's "weight score": researchers who rate intensity give each coding a
whole number, and ``qualcode agreement`` compares coders' weights with Krippendorff's
alpha. The dialog saves through ``coding.set_weight`` (one transaction, in the event log,
undone with u) and stays open on a bad value, saying what is wrong.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from qualcode.errors import CodingError, QualcodeError
from qualcode.services import coding
from qualcode.storage.store import Store


def parse_weight(text: str) -> int | None:
    """'' clears the weight; otherwise a whole number 0-100, or a QualcodeError saying why."""
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise CodingError(f"'{text}' is not a whole number.",
                          "Type a weight from 0 to 100, or leave it empty to clear it.") from None
    return coding.check_weight(value)


class WeightDialog(ModalScreen[bool]):
    """Returns True when the weight was saved (or cleared), False when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, store: Store, coder: str, coding_id: int, about: str) -> None:
        super().__init__()
        self.store = store
        self.coder = coder
        self.coding_id = coding_id
        self.about = about
        try:
            self.current = coding.get_coding(store, coding_id).weight
        except QualcodeError:  # removed meanwhile: saving then says so
            self.current = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Weight of {self.about}", classes="dialog-title")
            yield Input("" if self.current is None else str(self.current), placeholder="0-100, empty for none",
                        id="weight-value", restrict=r"\d{0,3}")
            yield Label("Enter saves · empty clears the weight · Esc cancels", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            weight = parse_weight(event.value)
            coding.set_weight(self.store, self.coding_id, weight, self.coder)
        except QualcodeError as error:
            self.notify(error.message, title="Weight not saved", severity="error")
            return
        said = "cleared" if weight is None else f"set to {weight}"
        self.notify(f"Weight of {self.about} {said}. Press u to undo.", timeout=3)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
