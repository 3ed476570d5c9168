"""The document list: names, key attributes and each coder's progress."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qualcode.services.workbench import DocumentProgress


class DocumentList(OptionList):
    """Pick a document; each entry shows level, school and codings per coder."""

    class Chosen(Message):
        def __init__(self, document_id: int) -> None:
            super().__init__()
            self.document_id = document_id

    def show(self, documents: list[DocumentProgress], current: int | None = None, *,
             shown: Callable[[str], str] = str) -> None:
        """List ``documents``; ``shown`` renders names and values (pseudonymised or as written)."""
        self.clear_options()
        for entry in documents:
            d = entry.document
            label = Text(shown(d.name), style="bold")
            facts = " · ".join(shown(v) for v in (d.attributes.get("level"), d.attributes.get("school")) if v)
            progress = "  ".join(f"{coder} {n}" for coder, n in entry.codings_by_coder.items()) or "not coded"
            label.append(f"\n {facts}" if facts else "", style="dim")
            label.append(f"\n {progress}", style="italic")
            self.add_option(Option(label, id=str(d.id)))
        self.mark(current)

    def mark(self, current: int | None) -> None:
        """Highlight the open document, so that moving in the list starts from it."""
        if current is None:
            return
        try:
            self.highlighted = self.get_option_index(str(current))
        except Exception:  # noqa: BLE001 - the document may have gone; keep no highlight
            self.highlighted = None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(int(event.option.id)))
