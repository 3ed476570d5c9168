"""Suggested codes for the passage under the cursor, with the reason for each.

Where the project has enough codings, the number shown is the calibrated probability
that the code applies (of suggestions shown at 80 %, about 8 in 10 were right when the
project's codings were cross-validated); otherwise it is a score, and says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from qualcode.services.suggestions import CodeSuggestion, PassageSuggestions


def figure(s: CodeSuggestion) -> str:
    """'82%' for a calibrated probability, 'score 0.41' for an uncalibrated score."""
    return f"{round(100 * s.score):d}%" if s.calibrated else f"score {s.score:.2f}"


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
        first = found.suggestions[0]
        how = "chance it applies" if first.calibrated else "uncalibrated: too few codings yet"
        lines = [Text(f"Suggested ({how}): + accept, - reject, ctrl+n next", style="bold")]
        for rank, s in enumerate(found.suggestions[:3], start=1):
            line = Text(f"{rank}. ", style="bold" if rank == 1 else "")
            line.append(s.code_label, style="bold" if rank == 1 else "")
            line.append(f"  {figure(s)}", style="dim")
            lines.append(line)
            reason = s.reason.text if len(s.reason.text) <= 60 else s.reason.text[:57] + "..."
            source = f"coded passage in {s.reason.document_name}" if s.reason.kind == "coded passage" \
                else s.reason.kind
            lines.append(Text(f"   like {source}: “{reason}”", style="dim italic"))
        for line in lines:  # one screen line each: the panel has a fixed height
            line.no_wrap, line.overflow = True, "ellipsis"
        self.plain = "\n".join(line.plain for line in lines)
        self.update(Group(*lines), layout=False)
