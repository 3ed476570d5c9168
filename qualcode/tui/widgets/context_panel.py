"""What lies under the cursor: the codings there, and their memos."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from qualcode.core.model import Memo
from qualcode.services.workbench import ShownCoding


class ContextPanel(Static):
    """Codings covering the cursor's span, newest last, with memos beneath."""

    def show(self, codings: list[ShownCoding], memos: dict[int, list[Memo]], span_text: str) -> None:
        parts: list[Text] = []
        snippet = span_text if len(span_text) <= 70 else span_text[:67] + "..."
        parts.append(Text(f"“{snippet}”", style="italic"))
        if not codings:
            parts.append(Text("No codings here. Press a code's key, or Enter to find a code.", style="dim"))
        for coding in codings:
            line = Text("■ ", style=coding.colour)
            line.append(coding.code_label, style="bold")
            line.append(f"  {coding.code_key} · {coding.coder} · #{coding.id}", style="dim")
            parts.append(line)
            for memo in memos.get(coding.id, []):
                parts.append(Text(f"   memo: {memo.text}", style="italic"))
        # The panel's size is fixed by the stylesheet: a layout pass here would re-lay out the
        # whole screen on every cursor move.
        self.update(Group(*parts), layout=False)
