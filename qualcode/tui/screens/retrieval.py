"""Retrieval: every passage of a code (or of two codes together), filtered, in context."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.core.model import CodedPassage
from qualcode.core.pseudonyms import Renderer
from qualcode.errors import QualcodeError
from qualcode.services import retrieval, sets
from qualcode.services.pseudonyms import render_passage
from qualcode.storage.store import Store
from qualcode.tui.screens.name_prompt import save_query
from qualcode.tui.screens.search import Jump

SET_KEY = "set"  # ``set=NAME`` in a filter box picks a saved set, not an attribute


def parse_filters(text: str) -> dict[str, list[str]]:
    """``level=school role=rektor set=rektorer`` (a repeated key means either value)."""
    filters: dict[str, list[str]] = {}
    for pair in text.replace(",", " ").split():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise QualcodeError(f"'{pair}' is not key=value.", "Write filters like level=school or set=NAME.")
        filters.setdefault(key, []).append(value)
    return filters


def split_sets(filters: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """The attribute filters, and the sets named with ``set=NAME``."""
    rest = {k: v for k, v in filters.items() if k != SET_KEY}
    return rest, list(filters.get(SET_KEY, []))


class RetrievalScreen(ModalScreen[Jump | None]):
    BINDINGS = [Binding("escape", "cancel", "Close"),
                Binding("ctrl+s", "save_query", "Save query", show=False,
                        tooltip="Keep this retrieval as a saved query")]

    def __init__(self, store: Store, code: str = "", coder: str | None = None, *,
                 pseudonyms: Renderer | None = None) -> None:
        super().__init__()
        self.store = store
        self.initial = code
        self.coder = coder  # who saves a query
        self.pseudonyms = pseudonyms  # passages shown pseudonymised when given
        self.passages: list[CodedPassage] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Retrieve coded passages", classes="dialog-title")
            # One row, so that Tab goes left to right through the fields, never back and down.
            with Horizontal(classes="fields"):
                yield Input(self.initial, placeholder="code key or label", id="retrieve-code")
                yield Input(placeholder="and code (optional)", id="retrieve-second")
                yield Input(placeholder="filters: level=school", id="retrieve-filters")
                yield Input(placeholder="coder (optional)", id="retrieve-coder")
            yield Label("Enter runs the query; Enter on a passage jumps to it; Ctrl+S saves the query. "
                        "A filter set=NAME keeps to a saved set.",
                        id="retrieve-summary",
                        classes="dialog-hint")
            yield OptionList(id="retrieve-results")

    def on_mount(self) -> None:
        if self.initial:
            self.run_query()

    def on_input_submitted(self) -> None:
        self.run_query()

    def run_query(self) -> None:
        code = self.query_one("#retrieve-code", Input).value.strip()
        second = self.query_one("#retrieve-second", Input).value.strip()
        coder = self.query_one("#retrieve-coder", Input).value.strip()
        if not code:
            self.notify("Name a code first.", severity="warning")
            return
        try:
            filters, set_names = split_sets(parse_filters(self.query_one("#retrieve-filters", Input).value))
            coders = [coder] if coder else None
            scope = sets.scope(self.store, set_names, passages=True, command="retrieval")
            if second:
                pairs = retrieval.cooccurring(self.store, code, second, coders=coders, attributes=filters)
                if scope.documents is not None:
                    pairs = [pair for pair in pairs if pair[0].document_name in set(scope.documents)]
                self.passages = [first for first, _ in pairs]
                total = len(pairs)
            else:
                page = retrieval.retrieve(self.store, code, coders=coders, attributes=filters, limit=500,
                                          documents=scope.documents, passage_set_ids=scope.passage_set_ids)
                self.passages, total = page.passages, page.total
        except QualcodeError as error:
            self.notify(error.message, title="Retrieve", severity="error")
            return
        what = f"{code} with {second}" if second else code
        if self.pseudonyms is not None:
            what += " (pseudonymised)"
        self.query_one("#retrieve-summary", Label).update(f"{total} passages: {what}")
        options = self.query_one(OptionList)
        options.clear_options()
        for i, passage in enumerate(self.passages):
            p = passage if self.pseudonyms is None else render_passage(self.pseudonyms, passage)
            label = Text(p.document_name, style="bold")
            label.append(f"  {retrieval.attribution(p.attributes, p.speaker)}  {p.coder}", style="dim")
            if p.weight is not None:
                label.append(f"  weight {p.weight}", style="bold")
            label.append("\n")
            label.append(p.text)
            options.add_option(Option(label, id=str(i)))
        if self.passages:
            options.highlighted = 0
            options.focus()

    def query_args(self) -> list[str]:
        """The retrieval as ``qualcode retrieve`` arguments (what a saved query keeps)."""
        code = self.query_one("#retrieve-code", Input).value.strip()
        coder = self.query_one("#retrieve-coder", Input).value.strip()
        filters, set_names = split_sets(parse_filters(self.query_one("#retrieve-filters", Input).value))
        args = [code]
        for key, values in filters.items():
            for value in values:
                args += ["--attr", f"{key}={value}"]
        for name in set_names:
            args += ["--set", name]
        return args + (["--coder", coder] if coder else [])

    def action_save_query(self) -> None:
        if not self.query_one("#retrieve-code", Input).value.strip():
            self.notify("Name a code first.", severity="warning")
            return
        if self.query_one("#retrieve-second", Input).value.strip():
            self.notify("A retrieval of two codes together cannot be saved; clear the second code.",
                        title="Save query", severity="warning")
            return
        try:
            args = self.query_args()
        except QualcodeError as error:
            self.notify(error.message, title="Save query", severity="error")
            return
        save_query(self, self.store, "Save this retrieval as a query", "retrieve", args, self.coder)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        p = self.passages[int(event.option.id or 0)]
        self.dismiss(Jump(p.document_id, p.start, p.end))

    def action_cancel(self) -> None:
        self.dismiss(None)
