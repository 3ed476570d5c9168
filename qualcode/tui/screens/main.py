"""The main screen: documents and codes on the left, the reader and its context on the right.

Every change goes through one service call (one transaction), so it is saved the moment
it is made; the reader then reloads only the codings of the open document.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label

from qualcode.errors import QualcodeError
from qualcode.services import workbench
from qualcode.services.workbench import FirstView
from qualcode.tui.commands import CodeCommands
from qualcode.tui.screens.jump import Jump
from qualcode.tui.screens.main_analyses import AnalysisActions
from qualcode.tui.screens.main_suggestions import SuggestionActions
from qualcode.tui.widgets.code_tree import CodeTree
from qualcode.tui.widgets.context_panel import ContextPanel, plural
from qualcode.tui.widgets.document_list import DocumentList
from qualcode.tui.widgets.reader import TranscriptReader
from qualcode.tui.widgets.suggestion_panel import SuggestionPanel

# The dialogs and screens that keys open (search, retrieval, memos, the code finder...),
# the coding operations and the change watch are imported where they are first used:
# the first screen is drawn without them.
if TYPE_CHECKING:
    from qualcode.core.codebook import Code
    from qualcode.core.model import Memo
    from qualcode.services import suggestions
    from qualcode.services.changes import ChangeWatch
    from qualcode.storage.store import Store
    from qualcode.tui.screens.help import HelpScreen

CHANGE_CHECK_S = 2.0  # how often the workbench asks whether someone else changed the project
NARROW = 100  # columns under which the side panels become toggles
NO_DOCUMENTS = ("No documents in this project yet: import transcripts with 'qualcode import PATH' "
                "(in another terminal), then press F5.")
# Keys that need no store: the reader's moves and selections, help, quit, the panels and
# focus. Any other key pressed before the store is open waits for it (see QualcodeApp).
WITHOUT_STORE = frozenset(
    {key.strip() for b in TranscriptReader.BINDINGS if isinstance(b, Binding) for key in b.key.split(",")})
ANYWHERE_WITHOUT_STORE = frozenset({"q", "question_mark", "f1", "f2", "f3", "tab", "shift+tab"})


class MainScreen(SuggestionActions, AnalysisActions, Screen[None]):
    COMMANDS = {CodeCommands}
    # The reader has the focus from the start: focusing the first focusable (the filter)
    # and then the reader would redo the footer's bindings once more before the first paint.
    AUTO_FOCUS = "#reader"
    BINDINGS = [
        # Help first: however narrow the footer, "? Help" is never the item it cuts.
        Binding("question_mark,f1", "app.help", "Help", tooltip="Every binding and the codebook's keys"),
        Binding("f2", "toggle_panel('documents')", "Docs", tooltip="Show or hide the document list"),
        Binding("f3", "toggle_panel('codes')", "Codes", tooltip="Show or hide the code tree"),
        Binding("enter", "find_code", "Code…", tooltip="Find a code by name and apply it"),
        Binding("delete,backspace", "remove_coding", "Remove", tooltip="Remove the coding under the cursor"),
        Binding("m", "memo", "Memo", tooltip="Write a memo on the coding under the cursor (or the document)"),
        Binding("w,ctrl+w", "weight", "Weight", show=False, tooltip="Weight 0-100 of the coding under the cursor"),
        Binding("u", "undo", "Undo", tooltip="Undo your last change"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_hit", "Next hit", show=False),
        Binding("ctrl+r", "retrieve", "Retrieve"),
        Binding("ctrl+b", "next_codebook", "Codebook", show=False, tooltip="Switch the active codebook"),
        Binding("ctrl+o", "focus_documents", "Documents", show=False),
        Binding("ctrl+t", "toggle_coders", "Coders", show=False,
                tooltip="Show every coder's codings, only yours, or chosen coders'"),
        Binding("f4", "toggle_pseudonyms", "Pseudonyms", show=False,
                tooltip="Show names as their pseudonyms (for screen sharing), or as written"),
        Binding("ctrl+y", "pseudonym_table", "Pseudonym table", show=False,
                tooltip="The pseudonym table: list, add and remove names"),
        Binding("f5,ctrl+l", "reload", "Refresh", show=False, tooltip="Reload: see changes made elsewhere"),
        Binding("ctrl+g,f6", "agreement", "Agreement", show=False, tooltip="Inter-coder agreement; settle disagreements"),
        Binding("f7", "compare", "Compare", show=False, tooltip="Codes by a group attribute, with residuals"),
        Binding("f9", "topics", "Topics", show=False, tooltip="Topic runs: topics, their passages, blind spots"),
        Binding("ctrl+k", "words", "Words", show=False,
                tooltip="Word frequencies, keywords in context (code marked lines), keyness"),
        Binding("f10,ctrl+e", "pictures", "Pictures", show=False,
                tooltip="This document's codeline; codes by documents; codes that co-occur"),
        Binding("ctrl+s,f8", "export", "Export", show=False, tooltip="Write quotes, a matrix, a figure, methods or .qdpx"),
        Binding("plus", "accept_suggestion", "Accept", show=False, tooltip="Apply the first suggested code"),
        Binding("minus", "reject_suggestion", "Reject", show=False, tooltip="The first suggestion does not fit"),
        Binding("ctrl+n", "next_suggested", "Next suggested", show=False,
                tooltip="Next uncoded passage with a confident suggestion"),
        Binding("ctrl+u", "next_uncertain", "Teach next", show=False,
                tooltip="The uncoded passage whose coding would teach the suggestions most"),
    ]

    def __init__(self, store: Store | None, coder: str, *, suggestions: bool = True,
                 first: FirstView | None = None) -> None:
        """``store`` may come later (see :meth:`watch_store`): the screen then starts from
        ``first``, read without it, and whatever needs the store waits for it."""
        super().__init__()
        self._first = first
        self.store = store
        self._after_store: list[Callable[[], None]] = []
        self.coder = coder
        self.suggestions_on = suggestions
        self.document_id: int | None = None
        self.books: list[workbench.CodebookView] = []
        self.active_book = 0
        self.showing: str = "all"  # whose codings: "all", "mine" or "chosen"
        self.chosen_coders: list[str] = []
        self.hits: tuple[tuple[int, int, int], ...] = ()
        self.suggester: suggestions.Suggester | None = None
        self.suggested: suggestions.PassageSuggestions | None = None
        self._suggester_lock = threading.Lock()
        self._suggest_timer: Timer | None = None
        self.hit_index = -1
        self.panels: set[str] = {"documents", "codes"}
        self.changes: ChangeWatch | None = None
        self.changed_elsewhere = False  # another process committed since the last reload
        self._change_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="filter: level=school", id="document-filter")
                yield DocumentList(id="documents")
                yield CodeTree(id="codes")
            with Vertical(id="center"):
                yield Label("", id="document-title")
                yield TranscriptReader(id="reader")
                with Horizontal(id="under-reader"):
                    yield ContextPanel(id="context")
                    yield SuggestionPanel(id="suggestions")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Under 100 columns the side panels collapse into toggles (F2 documents, F3 codes):
        the transcript gets the width, and an open code tree gets enough for its labels."""
        narrow = event.size.width < NARROW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.panels = set() if narrow else {"documents", "codes"}
            self._show_panels()
            footer = self.query_one(Footer)
            footer.compact = narrow
            footer.show_command_palette = not narrow
            self.refresh_bindings()

    def _show_panels(self) -> None:
        self.set_class("documents" not in self.panels, "-no-documents")
        self.set_class("codes" not in self.panels, "-no-codes")
        self.set_class(not self.panels, "-no-sidebar")

    def action_toggle_panel(self, panel: str) -> None:
        self.panels ^= {panel}
        self._show_panels()
        if panel in self.panels:
            (self.query_one(DocumentList) if panel == "documents" else self.query_one(CodeTree)).focus()
        else:
            self.reader.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The panel toggles exist (and sit in the footer) only where the panels collapse."""
        if action == "toggle_panel":
            return self.has_class("-narrow")
        return True

    def on_mount(self) -> None:
        first, self._first = self._first, None
        fits = (first is not None and first.coder == self.coder and self._coders() is None
                and not self.query_one("#document-filter", Input).value.strip())
        if first is not None and fits:
            self.show_codebooks(first.books)
            self.query_one(DocumentList).show(first.documents, self.document_id, shown=self.reader.shown)
            if first.document is not None:
                self.show_document(first.document)
            elif not first.documents:
                self.show_no_documents()
        elif self.store is not None:
            self._load_first()
        else:
            self._after_store.append(self._load_first)
        self.query_one(TranscriptReader).focus()
        if self.store is not None:
            self._watch(self.store)
        else:
            self.call_after_refresh(self.post_message, self.Drawn())

    def _watch(self, store: Store) -> None:
        from qualcode.services.changes import watch_changes

        try:
            self.changes = watch_changes(store)
        except QualcodeError as error:
            self.notify(error.message, title="Changes elsewhere will not be noticed", severity="warning")
        else:
            self._change_timer = self.set_interval(CHANGE_CHECK_S, self.look_for_changes)

    # ------------------------------------------------------ the store, later

    def watch_store(self, store: Store) -> None:
        """The store is open: the screen uses it from now on, and watches for changes."""
        self.store = store
        self._watch(store)

    def store_ready(self, *, changed: bool = False) -> None:
        """After :meth:`watch_store`: the memos, suggestions and whatever waited for the
        store (in the order asked). ``changed``: the project was written after the first
        screen was read, before the watch started."""
        if changed:
            self.post_message(self.ProjectChanged())
        self.show_context()
        self.request_suggestions()
        waiting, self._after_store = self._after_store, []
        for then in waiting:
            then()

    def with_store(self, then: Callable[[], None]) -> bool:
        """True when the store is open; else ``then`` runs as soon as it is."""
        if self.store is not None:
            return True
        self._after_store.append(then)
        self.notify("Opening the project: this runs in a moment.", timeout=2)
        return False

    def works_without_store(self, key: str) -> bool:
        """Whether ``key`` can act before the store is open (see WITHOUT_STORE)."""
        return key in ANYWHERE_WITHOUT_STORE or (isinstance(self.focused, TranscriptReader)
                                                 and key in WITHOUT_STORE)

    def _load_first(self) -> None:
        self.load_codebooks()
        documents = self.load_documents()
        if documents:
            self.open_document(documents[0].document.id)
        else:
            self.show_no_documents()

    def show_no_documents(self) -> None:
        """An empty project says what to do, where the transcript would be."""
        self.query_one("#document-title", Label).update(Text(NO_DOCUMENTS, style="bold"))

    def _no_document(self) -> bool:
        """True (and says why) when no document is open to code or write a memo on."""
        if self.document_id is not None:
            return False
        self.notify(NO_DOCUMENTS if not self.query_one(DocumentList).option_count
                    else "Open a document first: choose one in the list (ctrl+o).", severity="warning")
        return True

    def on_unmount(self) -> None:
        if self.changes is not None:
            self.changes.close()
            self.changes = None

    class Drawn(Message):
        """The first screen, read without the store, is painted: time to open the store."""

    # ---------------------------------------------------- changes by others

    class ProjectChanged(Message):
        """Another process (another coder, a script) committed to the project."""

    class WatchFailed(Message):
        """The project could not be asked whether it changed; the watch stops."""

        def __init__(self, error: QualcodeError) -> None:
            super().__init__()
            self.error = error

    def look_for_changes(self) -> None:
        if self.changes is not None and not self.changed_elsewhere:
            self._ask_for_changes(self.changes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="changes")
    def _ask_for_changes(self, changes: ChangeWatch) -> None:
        """One cheap query off the UI thread; the answer comes back as a message."""
        try:
            if changes.changed():
                self.post_message(self.ProjectChanged())
        except QualcodeError as error:
            self.post_message(self.WatchFailed(error))

    @on(ProjectChanged)
    def _project_changed(self) -> None:
        if self.changed_elsewhere:
            return
        self.changed_elsewhere = True
        self.show_title()
        self.notify("Someone else changed the project. Press F5 to reload and see it.",
                    title="Project changed", timeout=10)

    @on(WatchFailed)
    def _watch_failed(self, event: WatchFailed) -> None:
        if self._change_timer is not None:
            self._change_timer.stop()
        self.notify(event.error.message, title="Changes elsewhere will not be noticed", severity="warning")

    def own_change_made(self) -> None:
        """What is committed now is what the screen shows (the watch already takes this
        program's own commits as seen, see :mod:`qualcode.services.changes`)."""
        if self.changes is not None and not self.changed_elsewhere:
            try:
                self.changes.seen()
            except QualcodeError:
                # The next look reports the failure through WatchFailed; nothing is lost here.
                return

    # ----------------------------------------------------------------- loading

    @property
    def reader(self) -> TranscriptReader:
        return self.query_one(TranscriptReader)

    def _coders(self) -> list[str] | None:
        """Whose codings are on show: counts, tints and stripes all follow this."""
        if self.showing == "mine":
            return [self.coder]
        if self.showing == "chosen":
            return list(self.chosen_coders)
        return None

    def showing_text(self) -> str:
        if self.showing == "mine":
            return "your codings"
        if self.showing == "chosen":
            return "codings of " + ", ".join(self.chosen_coders)
        return "every coder's codings"

    def load_documents(self) -> list[workbench.DocumentProgress]:
        from qualcode.tui.screens.retrieval import parse_filters, split_sets

        typed = self.query_one("#document-filter", Input).value.strip()
        try:
            filters, set_names = split_sets(parse_filters(typed))
            documents = workbench.documents_with_progress(self.store, filters, sets=set_names)
        except QualcodeError as error:
            self.notify(error.message, severity="warning")
            documents = workbench.documents_with_progress(self.store, {})
        else:
            if typed and not documents:  # an empty list would say nothing of why
                self.notify(f"No document matches '{typed}'. Check the attribute and value ('qualcode docs' "
                            "lists them), or clear the filter to list every document.", severity="warning")
        self.query_one(DocumentList).show(documents, self.document_id, shown=self.reader.shown)
        return documents

    def load_codebooks(self) -> None:
        self.show_codebooks(workbench.codebooks_with_counts(self.store, self._coders(), viewer=self.coder))

    def show_codebooks(self, books: list[workbench.CodebookView]) -> None:
        self.books = books
        self.active_book = min(self.active_book, max(len(self.books) - 1, 0))
        self.query_one(CodeTree).show(self.books[self.active_book] if self.books else None)

    def open_document(self, document_id: int, offset: int | None = None, end: int | None = None) -> None:
        document = workbench.open_document(self.store, document_id, self._coders(), viewer=self.coder)
        self.show_document(document, offset, end)

    def show_document(self, document: workbench.OpenDocument, offset: int | None = None,
                      end: int | None = None) -> None:
        document_id = document.summary.id
        self.document_id = document_id
        self.query_one(DocumentList).mark(document_id)
        self.reader.show(document, offset=offset)
        if offset is not None and end is not None:
            self.reader.move_to(offset, end)
        self.sub_title = self.reader.shown(document.summary.name)
        self.show_title()

    def show_title(self) -> None:
        """Coder, document, its key facts, and whose codings are on show."""
        if self.reader.document is None:
            return
        d = self.reader.document.summary
        shown = self.reader.shown
        facts = ", ".join(f"{k}={shown(v)}" for k, v in d.attributes.items() if k in ("level", "role", "school"))
        title = Text(f"{self.coder} · {shown(d.name)}")
        if self.reader.pseudonyms is not None:
            title.append(" · pseudonymised (f4)", style="bold reverse")
        title.append(f" · showing {self.showing_text()} (ctrl+t)", style="italic")
        if self.changed_elsewhere:
            title.append(" · changed elsewhere: F5 reloads", style="bold")
        title.append(f" · {facts}" if facts else "", style="dim")  # cut first when narrow
        self.query_one("#document-title", Label).update(title)

    def refresh_codings(self) -> None:
        if self.document_id is None or self.reader.document is None:
            return
        self.own_change_made()
        codings = workbench.document_codings(self.store, self.document_id, self._coders(), viewer=self.coder)
        self.reader.refresh_codings(_with_codings(self.reader.document, codings))
        self.refresh_active_codebook()
        # Any coding change (add, remove, recode, undo, a reload) may change what is suggested.
        self.suggested = None
        self.request_suggestions()

    def refresh_active_codebook(self) -> None:
        """New counts for the codebook on show only: the others refresh when switched to."""
        if not self.books:
            return
        slug = self.books[self.active_book].codebook.slug
        self.books[self.active_book] = workbench.codebook_view(self.store, slug, self._coders(), viewer=self.coder)
        self.query_one(CodeTree).show(self.books[self.active_book])

    def action_reload(self) -> None:
        self.changed_elsewhere = False
        self.own_change_made()  # what is committed now is what the reload shows
        documents = self.load_documents()
        self.load_codebooks()
        if self.document_id is not None:
            self.open_document(self.document_id, self.reader.target_span().start)
        elif documents:  # imported since the project was opened empty
            self.open_document(documents[0].document.id)
        elif not self.query_one("#document-filter", Input).value.strip():  # else the filter says why
            self.show_no_documents()
        self.notify("Reloaded from the project.")

    # ---------------------------------------------------------------- messages

    @on(DocumentList.Chosen)
    def _document_chosen(self, event: DocumentList.Chosen) -> None:
        if not self.with_store(lambda: self._document_chosen(event)):
            return
        self.open_document(event.document_id)
        if self.has_class("-narrow"):  # the list has done its job: the transcript needs the width
            self.panels.discard("documents")
            self._show_panels()
        self.reader.focus()

    @on(TranscriptReader.FindCode)
    def _find_code_asked(self) -> None:
        if self.with_store(self._find_code_asked):
            self.action_find_code()

    @on(CodeTree.Chosen)
    def _code_chosen(self, event: CodeTree.Chosen) -> None:
        if self.with_store(lambda: self._code_chosen(event)):
            self.apply(event.code)

    @on(Input.Submitted, "#document-filter")
    def _filter_documents(self) -> None:
        if self.with_store(self._filter_documents):
            self.load_documents()

    @on(TranscriptReader.CursorMoved)
    def _cursor_moved(self, event: TranscriptReader.CursorMoved) -> None:
        self.show_context()
        self.request_suggestions()

    def show_context(self) -> None:
        reader = self.reader
        if reader.document is None:
            return
        codings = reader.codings_at_cursor()
        memos: dict[int, list[Memo]] = {}
        if self.store is not None:  # else they are shown once it is open (store_ready)
            from qualcode.services import coding

            for c in codings:
                memos[c.id] = coding.memos_for(self.store, "coding", c.id)
        span = reader.target_span()
        if reader.pseudonyms is not None:
            memos = {i: [replace(m, text=reader.shown(m.text)) for m in found] for i, found in memos.items()}
        self.query_one(ContextPanel).show(codings, memos, reader.shown(reader.document.text[span.start:span.end]),
                                          selected=reader.selection is not None,
                                          sentences=reader.sentences_in(span))

    def apply_shortcut(self, character: str) -> bool:
        """A code's shortcut key applies it, when the reader has focus; True if one did.

        The app calls this once the key reaches it, after the bindings of earlier keys
        (the cursor moves) have run; handled here on the way up, a fast "down t" coded
        the sentence the cursor was leaving.
        """
        if not isinstance(self.focused, TranscriptReader) or not self.books:
            return False
        for code, _, _ in self.books[self.active_book].codes:
            if code.shortcut and code.shortcut == character:
                self.apply(code)
                return True
        return False

    # ----------------------------------------------------------------- actions

    def apply(self, code: Code) -> None:
        if self._no_document():
            return
        from qualcode.services import coding
        from qualcode.services.coding import Span

        span = self.reader.target_span()
        try:
            made = coding.apply_code(self.store, self.document_id, f"{self._book_slug(code)}:{code.key}",
                                     self.coder, Span(span.start, span.end))
        except QualcodeError as error:
            self.notify(error.message, title="Not coded", severity="error")
            return
        self.reader.selection = None
        self.refresh_codings()
        covered = plural(span.end - span.start, "character")
        if (sentences := self.reader.sentences_in(span)) > 1:
            covered += f", {sentences} sentences"
        self.notify(f"Coded {code.label_en} (#{made.id}): {covered}", timeout=2)

    def _book_slug(self, code: Code) -> str:
        for view in self.books:
            if view.codebook.id == code.codebook_id:
                return view.codebook.slug
        return ""

    def _coding_under_cursor(self) -> workbench.ShownCoding | None:
        codings = self.reader.codings_at_cursor()
        mine = [c for c in codings if c.coder == self.coder]
        candidates = mine or codings
        if not candidates:
            return None
        return max(candidates, key=lambda c: c.id)  # the newest: what was most likely just made

    def action_remove_coding(self) -> None:
        target = self._coding_under_cursor()
        if target is None:
            self.notify("No coding under the cursor.", severity="warning")
            return
        from qualcode.services import coding

        try:
            coding.remove_coding(self.store, target.id, self.coder)
        except QualcodeError as error:
            self.notify(error.message, severity="error")
            return
        self.refresh_codings()
        self.notify(f"Removed {target.code_label} (#{target.id}). Press u to undo.", timeout=3)

    def action_undo(self) -> None:
        from qualcode.services import coding

        try:
            what = coding.undo(self.store, self.coder)
        except QualcodeError as error:
            self.notify(error.message, severity="warning")
            return
        self.refresh_codings()
        self.notify(f"Undone: {what}", timeout=3)

    def action_find_code(self) -> None:
        if not self.books:
            self.notify("No codebook loaded: qualcode codebook load FILE.", severity="warning")
            return
        from qualcode.tui.screens.code_finder import CodeFinder

        def chosen(code: Code | None) -> None:
            if code is not None:
                self.apply(code)

        self.app.push_screen(CodeFinder(self._all_codes()), chosen)

    def action_memo(self) -> None:
        if self._no_document():
            return
        from qualcode.services import coding
        from qualcode.tui.screens.memo_editor import MemoEditor

        target = self._coding_under_cursor()
        kind, target_id = ("coding", target.id) if target else ("document", self.document_id)
        existing = coding.memos_for(self.store, kind, target_id)
        about = f"{target.code_label} (#{target.id})" if target else "this document"
        title = f"Memo on {about}"

        def saved(text: str | None) -> None:
            if text is None:
                return
            done = "Memo saved."
            try:
                if existing and text.strip():
                    coding.edit_memo(self.store, existing[-1].id, text, self.coder)
                elif existing:  # emptied: the memo goes, and u brings it back
                    coding.delete_memo(self.store, existing[-1].id, self.coder)
                    done = "Memo deleted (it was emptied). Press u to undo."
                elif text.strip():
                    coding.add_memo(self.store, kind, target_id, text, self.coder)
                else:
                    self.notify("The memo was empty: nothing saved.", severity="warning", timeout=3)
                    return
            except QualcodeError as error:
                self.notify(error.message, severity="error")
                return
            self.show_context()
            self.notify(done, timeout=3)

        self.app.push_screen(MemoEditor(title, existing[-1].text if existing else ""), saved)

    def action_weight(self) -> None:
        from qualcode.tui.screens.weight_dialog import WeightDialog

        target = self._coding_under_cursor()
        if target is None:
            self.notify("No coding under the cursor.", severity="warning")
            return
        self.app.push_screen(WeightDialog(self.store, self.coder, target.id, f"{target.code_label} (#{target.id})"))

    def jump(self, target: Jump | None) -> None:
        if target is None:
            return
        if target.hits:
            self.hits = target.hits
            self.hit_index = self.hits.index((target.document_id, target.start, target.end))
        if target.document_id != self.document_id:
            self.open_document(target.document_id, target.start, target.end)
        else:
            self.reader.move_to(target.start, target.end)
        self.reader.focus()

    def action_search(self) -> None:
        from qualcode.tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(self.store, coder=self.coder), self.jump)

    def action_next_hit(self) -> None:
        if not self.hits:
            self.notify("No search yet: press / to search.", severity="warning")
            return
        self.hit_index = (self.hit_index + 1) % len(self.hits)
        document_id, start, end = self.hits[self.hit_index]
        self.jump(Jump(document_id, start, end))
        self.notify(f"Hit {self.hit_index + 1} of {len(self.hits)}", timeout=1.5)

    def action_retrieve(self) -> None:
        from qualcode.tui.screens.retrieval import RetrievalScreen

        codings = self.reader.codings_at_cursor()
        self.app.push_screen(RetrievalScreen(self.store, codings[0].code_key if codings else "", self.coder,
                                             pseudonyms=self.reader.pseudonyms), self.jump)

    def action_next_codebook(self) -> None:
        if self.books:
            self.active_book = (self.active_book + 1) % len(self.books)
            self.refresh_active_codebook()
            self.notify(f"Active codebook: {self.books[self.active_book].codebook.name}", timeout=2)

    def action_toggle_coders(self) -> None:
        """Cycle every coder -> only mine -> chosen coders (asked for) -> every coder."""
        if self.showing == "all":
            self.show_coders("mine")
            return
        if self.showing == "chosen":
            self.show_coders("all")
            return

        def chosen(names: list[str] | None) -> None:
            if names:
                self.chosen_coders = names
                self.show_coders("chosen")
            else:
                self.show_coders("all")

        from qualcode.tui.screens.coder_choice import CoderChoice

        coders = workbench.coders_with_counts(self.store)
        self.app.push_screen(CoderChoice(coders, self.chosen_coders or [c.name for c in coders]), chosen)

    def show_coders(self, showing: str) -> None:
        self.showing = showing
        self.refresh_codings()
        self.show_context()
        self.show_title()
        self.notify(f"Showing {self.showing_text()}: counts, tints and stripes.", timeout=2)

    def action_focus_documents(self) -> None:
        if "documents" not in self.panels:
            self.panels.add("documents")
            self._show_panels()
        self.query_one(DocumentList).focus()

    def _keys_shown(self, binding: Binding) -> str:
        """'delete,backspace' as the footer writes keys: 'del / ⌫'."""
        keys = [k.strip() for k in binding.key.split(",")]
        return " / ".join(self.app.get_key_display(Binding(k, binding.description)) for k in keys)

    def help_screen(self) -> HelpScreen:
        from qualcode.tui.screens.help import HelpScreen

        keys = list(dict.fromkeys(
            (self._keys_shown(b), b.description)
            for b in [*self.app.BINDINGS, *self.BINDINGS, *TranscriptReader.BINDINGS]
            if isinstance(b, Binding)))  # Help is bound on the app and, to lead the footer, here
        keys += [("drag", "Select across sentences and turns"), ("double-click", "Select a word"),
                 ("triple-click", "Select a sentence"), ("right-click", "Code finder for the selection")]
        shortcuts = [c for c, _, _ in self.books[self.active_book].codes if c.shortcut] if self.books else []
        return HelpScreen(keys, shortcuts)


def _with_codings(document: workbench.OpenDocument, codings: list[workbench.ShownCoding]) -> workbench.OpenDocument:
    from dataclasses import replace

    return replace(document, codings=codings)
