"""The project's pseudonym table in the workbench: its entries, adding one, removing one.

Each change is one call to :mod:`qualcode.services.pseudonyms` (one transaction and an
event under the coder of the session); the screen returns whether the table changed, so
that a pseudonymised reader can draw the new table.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label

from qualcode.errors import QualcodeError
from qualcode.services import pseudonyms
from qualcode.storage.store import Store


class PseudonymTable(ModalScreen[bool]):
    """Returns True when an entry was added or removed."""

    BINDINGS = [Binding("escape", "close", "Close"),
                Binding("delete", "remove", "Remove", tooltip="Take the highlighted entry off the table")]

    def __init__(self, store: Store, coder: str) -> None:
        super().__init__()
        self.store = store
        self.coder = coder
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="pseudonym-dialog"):
            yield Label("Pseudonym table", classes="dialog-title")
            yield DataTable(id="pseudonym-entries", cursor_type="row")
            with Horizontal(classes="fields"):
                yield Input(placeholder="name as written", id="pseudonym-original")
                yield Input(placeholder="replacement", id="pseudonym-replacement")
                yield Input(placeholder="category", id="pseudonym-category")
            yield Label("Enter adds (or changes) the entry · Delete removes the highlighted one · Esc closes",
                        classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("name", "replacement", "category", "forms")
        self.show_entries()
        self.query_one("#pseudonym-original", Input).focus()

    def show_entries(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for entry in pseudonyms.entries(self.store):
            table.add_row(entry.original, entry.replacement, entry.category, ", ".join(entry.all_forms()),
                          key=entry.original)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        original = self.query_one("#pseudonym-original", Input).value
        replacement = self.query_one("#pseudonym-replacement", Input).value
        category = self.query_one("#pseudonym-category", Input).value or "other"
        if event.input.id == "pseudonym-original" and not replacement:
            self.query_one("#pseudonym-replacement", Input).focus()
            return
        try:
            entry = pseudonyms.make_entry(original, replacement, category)
            outcome = pseudonyms.add(self.store, entry, coder=self.coder)
        except QualcodeError as error:
            self.notify(error.message, title="Not added", severity="error")
            return
        self.changed = True
        self.notify(f"{outcome.capitalize()}: {entry.original} -> {entry.replacement}", timeout=3)
        for name in ("#pseudonym-original", "#pseudonym-replacement", "#pseudonym-category"):
            self.query_one(name, Input).value = ""
        self.query_one("#pseudonym-original", Input).focus()
        self.show_entries()

    def action_remove(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        try:
            gone = pseudonyms.remove(self.store, str(key), coder=self.coder)
        except QualcodeError as error:
            self.notify(error.message, title="Not removed", severity="error")
            return
        self.changed = True
        self.notify(f"Removed: {gone.original} -> {gone.replacement}", timeout=3)
        self.show_entries()

    def action_close(self) -> None:
        self.dismiss(self.changed)
