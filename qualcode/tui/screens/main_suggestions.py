"""The main screen's suggestion panel: asking for suggestions as the cursor moves, in a
worker, and accepting, rejecting and jumping to the next passage worth coding.

A mixin of :class:`~qualcode.tui.screens.main.MainScreen`, kept apart so that each
module stays small: it uses the screen's store, coder, reader and suggester state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from qualcode.errors import QualcodeError
from qualcode.tui.screens.jump import Jump
from qualcode.tui.widgets.suggestion_panel import SuggestionPanel

if TYPE_CHECKING:
    from qualcode.services import suggestions

SUGGEST_DELAY_S = 0.15


class SuggestionActions:
    """Suggestions for the passage under the cursor, and the keys that act on them."""

    def request_suggestions(self) -> None:
        """Ask for suggestions for the cursor's span, in a worker: ranking takes a while."""
        reader = self.reader
        if reader.document is None or self.document_id is None:
            return
        if not self.suggestions_on:
            self.query_one(SuggestionPanel).waiting("Suggestions are off.")
            return
        if self.store is None:  # asked again once the store is open
            self.query_one(SuggestionPanel).waiting("Preparing suggestions…")
            return
        span = reader.target_span()
        if span.end <= span.start:
            return
        if self.suggester is None:
            self.query_one(SuggestionPanel).waiting("Preparing suggestions…")
        if self._suggest_timer is not None:
            self._suggest_timer.stop()
        # A short pause first: holding an arrow key must not queue a ranking per sentence.
        document_id = self.document_id
        self._suggest_timer = self.set_timer(
            SUGGEST_DELAY_S, lambda: self._suggest(document_id, span.start, span.end))

    def _get_suggester(self) -> suggestions.Suggester:
        from qualcode.services.suggestions import Suggester

        with self._suggester_lock:
            if self.suggester is None:
                self.suggester = Suggester(self.store)
            return self.suggester

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def _suggest(self, document_id: int, start: int, end: int) -> None:
        try:
            suggester = self._get_suggester()
            with self._suggester_lock:
                found = suggester.for_span(document_id, start, end, top=3)
        except QualcodeError as error:
            self.app.call_from_thread(self._suggestions_waiting, error.message)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_suggestions, found)

    def _suggestions_waiting(self, message: str) -> None:
        self.query_one(SuggestionPanel).waiting(message)

    def _show_suggestions(self, found: suggestions.PassageSuggestions) -> None:
        span = self.reader.target_span()
        if (found.document_id, found.start, found.end) != (self.document_id, span.start, span.end):
            return  # the cursor moved on; a newer answer is coming
        self.suggested = found
        self.query_one(SuggestionPanel).show(found)

    def _first_suggestion(self) -> tuple[suggestions.PassageSuggestions, suggestions.CodeSuggestion] | None:
        found = self.suggested
        span = self.reader.target_span()
        if (found is None or not found.suggestions
                or (found.document_id, found.start, found.end) != (self.document_id, span.start, span.end)):
            self.notify("No suggestion for this passage yet.", severity="warning")
            return None
        return found, found.suggestions[0]

    def _code_reference(self, code_id: int, key: str) -> str:
        for view in self.books:
            if any(code.id == code_id for code, _, _ in view.codes):
                return f"{view.codebook.slug}:{key}"
        return key

    def action_accept_suggestion(self) -> None:
        chosen = self._first_suggestion()
        if chosen is None:
            return
        found, top = chosen
        from qualcode.services import suggestions
        from qualcode.services.coding import Span

        try:
            made = suggestions.accept(self.store, found.document_id, self._code_reference(top.code_id, top.code_key),
                                      self.coder, Span(found.start, found.end), score=top.score)
        except QualcodeError as error:
            self.notify(error.message, title="Not coded", severity="error")
            return
        self.suggested = None
        self.refresh_codings()
        self.request_suggestions()
        self.notify(f"Coded {top.code_label} as suggested (#{made.id})", timeout=2)

    def action_reject_suggestion(self) -> None:
        chosen = self._first_suggestion()
        if chosen is None:
            return
        found, top = chosen
        from qualcode.services import suggestions
        from qualcode.services.coding import Span

        try:
            suggestions.reject(self.store, found.document_id, self._code_reference(top.code_id, top.code_key),
                               self.coder, Span(found.start, found.end), score=top.score)
        except QualcodeError as error:
            self.notify(error.message, severity="error")
            return
        self.suggested = None
        self.request_suggestions()
        self.notify(f"Not {top.code_label}: noted.", timeout=2)

    def action_next_suggested(self) -> None:
        if self.document_id is None:
            return
        self.query_one(SuggestionPanel).waiting("Looking for the next confident suggestion…")
        self._next_suggested(self.document_id, self.reader.cursor_span().end)

    def action_next_uncertain(self) -> None:
        if self.document_id is None:
            return
        self.query_one(SuggestionPanel).waiting("Looking for the passage the suggestions are least sure of…")
        self._next_suggested(self.document_id, self.reader.cursor_span().end, uncertain=True)

    @work(thread=True, exclusive=True, group="suggest-next", exit_on_error=False)
    def _next_suggested(self, document_id: int, after: int, *, uncertain: bool = False) -> None:
        try:
            suggester = self._get_suggester()
            with self._suggester_lock:
                found = suggester.next_uncertain(document_id, top=3) if uncertain else \
                    suggester.next_confident(document_id, after=after, top=3)
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, error.message, severity="error")
            return
        if found is None:
            self.app.call_from_thread(self.notify, "No uncoded passage left in this document." if uncertain
                                      else "No uncoded passage with a confident suggestion after this one.")
            self.app.call_from_thread(self.request_suggestions)
            return
        self.app.call_from_thread(self.jump, Jump(found.document_id, found.start, found.end))
