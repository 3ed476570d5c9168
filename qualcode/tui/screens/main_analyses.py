"""The main screen's ways out to the analyses (agreement, comparison, topics, words,
pictures, export) and its pseudonym display.

A mixin of :class:`~qualcode.tui.screens.main.MainScreen`, kept apart so that each
module stays small: each action opens its screen and brings the reader back to what
was chosen there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.core.codebook import Code
    from qualcode.tui.screens.jump import Jump


class AnalysisActions:
    """Opening the analysis screens from the main screen, and showing names as pseudonyms."""

    def _active_slug(self) -> str:
        return self.books[self.active_book].codebook.slug if self.books else ""

    def action_agreement(self) -> None:
        from qualcode.tui.screens.agreement import AgreementScreen

        def closed(target: Jump | None) -> None:
            self.refresh_codings()  # settled disagreements added consensus codings
            self.jump(target)

        self.app.push_screen(AgreementScreen(self.store, self.coder), closed)

    def action_compare(self) -> None:
        from qualcode.tui.screens.matrix import MatrixScreen

        self.app.push_screen(MatrixScreen(self.store, self._active_slug()), self.jump)

    def action_topics(self) -> None:
        from qualcode.tui.screens.topics import TopicsScreen

        # coverage by every codebook: a topic coded with another codebook's codes is no blind spot
        self.app.push_screen(TopicsScreen(self.store), self.jump)

    def _all_codes(self) -> list[tuple[str, Code]]:
        """Every codebook's codes, the active one's first (for the code finder)."""
        if not self.books:
            return []
        active = self.books[self.active_book]
        codes = [(active.codebook.slug, c) for c, _, _ in active.codes]
        return codes + [(v.codebook.slug, c) for v in self.books if v is not active for c, _, _ in v.codes]

    def action_words(self) -> None:
        from qualcode.tui.screens.words import WordsScreen

        def closed(target: Jump | None) -> None:
            self.refresh_codings()  # concordance lines may have been coded
            self.jump(target)

        self.app.push_screen(WordsScreen(self.store, self.coder, self._all_codes()), closed)

    def action_pictures(self) -> None:
        from qualcode.tui.screens.coding_pictures import CodingPicturesScreen

        self.app.push_screen(CodingPicturesScreen(self.store, self.document_id, self._active_slug()), self.jump)

    def action_export(self) -> None:
        from qualcode.tui.screens.export_dialog import ExportDialog

        self.app.push_screen(ExportDialog(self.store, codebook=self._active_slug()))

    def action_pseudonym_table(self) -> None:
        from qualcode.services import pseudonyms
        from qualcode.tui.screens.pseudonym_table import PseudonymTable

        def closed(changed: bool | None) -> None:
            if changed and self.reader.pseudonyms is not None:  # draw the new table, or names if it is empty now
                renderer = pseudonyms.renderer(self.store)
                self.reader.show_pseudonyms(renderer if renderer else None)
                self._after_pseudonyms()

        self.app.push_screen(PseudonymTable(self.store, self.coder), closed)

    def action_toggle_pseudonyms(self) -> None:
        """Names on screen as their pseudonyms, or as written again."""
        from qualcode.services import pseudonyms

        if self.reader.pseudonyms is not None:
            self.reader.show_pseudonyms(None)
            self.notify("Names as written.", title="Pseudonyms off")
        else:
            renderer = pseudonyms.renderer(self.store)
            if not renderer:
                self.notify("The pseudonym table is empty: ctrl+y opens it to add names (or use 'qualcode "
                            "pseudonyms candidates --accept').", title="No pseudonyms", severity="warning")
                return
            self.reader.show_pseudonyms(renderer)
            self.notify("Names shown as their pseudonyms.", title="Pseudonymised")
        self._after_pseudonyms()

    def _after_pseudonyms(self) -> None:
        self.load_documents()
        if self.reader.document is not None:
            self.sub_title = self.reader.shown(self.reader.document.summary.name)
        self.show_title()
        self.show_context()
