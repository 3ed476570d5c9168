"""A fuzzy code finder: type part of a label or key, Enter applies the code."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.core.codebook import Code


class CodeFinder(ModalScreen[Code | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, codes: list[tuple[str, Code]]) -> None:
        """``codes`` pairs each code with the name of its codebook."""
        super().__init__()
        self.codes = codes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Apply which code?", classes="dialog-title")
            yield Input(placeholder="type to filter: label or key", id="finder-input")
            yield OptionList(id="finder-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        matcher = Matcher(query) if query else None
        scored = []
        for book, code in self.codes:
            haystack = f"{code.label_en} {code.key} {code.label_sv or ''}"
            score = matcher.match(haystack) if matcher else 1.0
            if score > 0:
                scored.append((score, book, code))
        scored.sort(key=lambda item: -item[0])
        for _, book, code in scored[:60]:
            label = Text("■ ", style=code.colour or "white")
            label.append(code.label_en, style="bold")
            label.append(f"  {code.key} · {book}", style="dim")
            options.add_option(Option(label, id=str(code.id)))
        if scored:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value.strip())

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = min(max(current + step, 0), options.option_count - 1)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)
        elif not self.codes:
            self.notify("No codebook loaded: qualcode codebook load FILE.", severity="warning")
        else:
            self.notify(f"No code matches '{event.value.strip()}': type less of the label or key, or Esc.",
                        severity="warning")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        chosen = next((c for _, c in self.codes if str(c.id) == option_id), None)
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
