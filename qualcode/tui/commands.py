"""Codes in Textual's command palette (ctrl+p): type part of a label or key, Enter applies it."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider


class CodeCommands(Provider):
    """Every code of every loaded codebook, as 'Code: label (key)' commands."""

    async def search(self, query: str) -> Hits:
        screen = self.screen
        books = getattr(screen, "books", [])
        apply = getattr(screen, "apply", None)
        if apply is None:
            return
        matcher = self.matcher(query)
        for view in books:
            for code, _depth, _count in view.codes:
                text = f"Code: {code.label_en} ({code.key})"
                score = matcher.match(text)
                if score > 0:
                    yield Hit(score, matcher.highlight(text), partial(apply, code),
                              help=f"{view.codebook.name}: {code.definition[:80]}")
