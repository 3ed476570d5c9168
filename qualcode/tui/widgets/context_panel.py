"""What lies under the cursor: what a code would cover now, the codings there, their memos.

The first line says exactly what the next code applies to (the selection, or the
cursor's sentence), with its length and its first and last words, so that a coding
that covers more than the sentence on show never comes as a surprise.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from qualcode.core.model import Memo
from qualcode.services.workbench import ShownCoding

EDGE_WORDS = 5  # words quoted from each end of a long passage


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 sentence', '2 sentences'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def preview(text: str, words: int = EDGE_WORDS) -> str:
    """The passage's first and last ``words`` words around '…', whole when it is short."""
    parts = text.split()
    if len(parts) <= 2 * words + 1:
        return " ".join(parts)
    return " ".join(parts[:words]) + " … " + " ".join(parts[-words:])


def describe_target(text: str, *, selected: bool, sentences: int) -> str:
    """'Will code the selection: 191 characters, 2 sentences' (or 'the sentence: ...')."""
    if not selected:
        return f"Will code the sentence: {plural(len(text), 'character')}"
    return f"Will code the selection: {plural(len(text), 'character')}, {plural(sentences, 'sentence')}"


class ContextPanel(Static):
    """What a code would cover, then the codings covering it, newest last, with memos beneath."""

    plain = ""  # what is shown, as text

    def show(self, codings: list[ShownCoding], memos: dict[int, list[Memo]], span_text: str, *,
             selected: bool = False, sentences: int = 1) -> None:
        parts: list[Text] = []
        parts.append(Text(describe_target(span_text, selected=selected, sentences=sentences),
                          style="bold reverse" if selected else "bold"))
        parts.append(Text(f"“{preview(span_text)}”", style="italic"))
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
        self.plain = "\n".join(part.plain for part in parts)
        self.update(Group(*parts), layout=False)
