"""Suggested codes for the passage under the cursor, with the reason for each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from qualcode.services.suggestions import PassageSuggestions


class SuggestionPanel(Static):
    """The top suggestions; '+' accepts the first, '-' rejects it (bindings on the screen)."""

    plain = ""  # what the panel says, as text (for tests and screen readers)

    def waiting(self, message: str) -> None:
        self.plain = message
        self.update(Text(message, style="dim italic"), layout=False)

    def show(self, found: PassageSuggestions | None) -> None:
        if found is None or not found.suggestions:
            self.waiting("No suggestion for this passage.")
            return
        lines = [Text("Suggested: + accept, - reject, ctrl+n next", style="bold")]
        for rank, s in enumerate(found.suggestions[:3], start=1):
            line = Text(f"{rank}. ", style="bold" if rank == 1 else "")
            line.append(s.code_label, style="bold" if rank == 1 else "")
            line.append(f"  {s.score:.2f}", style="dim")
            lines.append(line)
            reason = s.reason.text if len(s.reason.text) <= 60 else s.reason.text[:57] + "..."
            lines.append(Text(f"   like {s.reason.kind}: “{reason}”", style="dim italic"))
        for line in lines:  # one screen line each: the panel has a fixed height
            line.no_wrap, line.overflow = True, "ellipsis"
        self.plain = "\n".join(line.plain for line in lines)
        self.update(Group(*lines), layout=False)
