"""Full-text search over the project; Enter jumps to the hit in context."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.services import retrieval
from qualcode.storage.store import Store
from qualcode.tui.screens.jump import Jump  # noqa: F401 (named from here too)

TITLE = "Search (every word, any inflection)"
TITLE_WITH_HEADS = "Search (every word, any inflection, compounds by their head)"


class SearchScreen(ModalScreen[Jump | None]):
    BINDINGS = [Binding("escape", "cancel", "Close"),
                Binding("ctrl+t", "toggle_heads", "Compounds by head", id="search.heads",
                        tooltip="Also find compounds that end in a word: 'dialog' finds 'kvalitetsdialogerna'."),
                Binding("ctrl+s", "save_query", "Save query", id="search.save", show=False,
                        tooltip="Keep this search as a saved query ('qualcode query run NAME')")]

    def __init__(self, store: Store, query: str = "", coder: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.initial = query
        self.coder = coder  # who saves a query
        self.heads = False
        self.hits: list[retrieval.SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(TITLE, classes="dialog-title", id="search-title")
            yield Input(self.initial, placeholder="e.g. kvalitetsdialog rektor", id="search-input")
            yield Label("", id="search-summary", classes="dialog-hint")
            yield OptionList(id="search-results")

    def action_toggle_heads(self) -> None:
        """Searching compounds by their head is off unless asked for, as on the command line."""
        self.heads = not self.heads
        self.query_one("#search-title", Label).update(TITLE_WITH_HEADS if self.heads else TITLE)
        query = self.query_one("#search-input", Input).value
        if query.strip():
            self._search(query)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        try:
            page = retrieval.search(self.store, query, limit=200, heads=self.heads)
        except QualcodeError as error:
            self.notify(error.message, title="Search", severity="warning")
            return
        self.hits = page.hits
        self.query_one("#search-summary", Label).update(
            f"{page.total} sentences" + (f", first {len(page.hits)} shown" if page.total > len(page.hits) else ""))
        options = self.query_one(OptionList)
        options.clear_options()
        for i, hit in enumerate(page.hits):
            label = Text(f"{hit.document_name}", style="bold")
            label.append(f"  {hit.speaker or ''}\n", style="dim")
            label.append(hit.text)
            options.add_option(Option(label, id=str(i)))
        if page.hits:
            options.highlighted = 0
            options.focus()

    def action_save_query(self) -> None:
        query = self.query_one("#search-input", Input).value.strip()
        if not query:
            self.notify("Type what to search for first.", severity="warning")
            return
        args = [query, "--limit", "200", *(["--heads"] if self.heads else [])]
        from qualcode.tui.screens.name_prompt import save_query

        save_query(self, self.store, "Save this search as a query", "search", args, self.coder)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[int(event.option.id or 0)]
        all_hits = tuple((h.document_id, h.start, h.end) for h in self.hits)
        self.dismiss(Jump(hit.document_id, hit.start, hit.end, all_hits))

    def action_cancel(self) -> None:
        self.dismiss(None)
