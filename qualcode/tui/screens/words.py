"""How actors speak, in the workbench: word frequencies, keywords in context, keyness and
collocations.

Open it from the main screen with ``WordsScreen(store, coder, codes)`` (``codes``: the
codebooks' codes as (slug, code) pairs, for coding concordance lines). Four tabs:

* **Frequencies**: the selection's words (lemma or form), interviewer turns left out as
  on the command line.
* **KWIC**: a word, phrase or pattern in context with each line's attribution. Enter
  jumps to the line in the reader; space marks lines and ``c`` codes every marked line
  with a code from the code finder, in one step that one undo (``u``) takes back.
* **Keyness**: the words one group (an attribute's value, or a saved set with ``by`` set)
  uses more than another, both groups narrowed by the filter.
* **Collocations**: the words near a node word, by G², MI or count. Enter on a collocate
  shows the node's lines in the KWIC tab, sorted by the side the collocate mostly stands
  on, with the cursor on the first line it stands in.

Every tab has a filter box read by
:func:`~qualcode.tui.screens.word_selection.word_selection`: attribute filters
(``level=school``), ``code=KEY`` for a code's passages and ``set=NAME`` for a saved
set's documents or passages, the selection of the command line's ``--attr``, ``--code``
and ``--set``.

It returns a :class:`~qualcode.tui.screens.search.Jump` (Enter on a concordance line,
with every line as hits so 'next hit' goes on), or None when closed. All counting is
done by :mod:`qualcode.services.words` and :mod:`qualcode.services.collocations`; this
screen only draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, TabbedContent, TabPane
from textual.worker import get_current_worker

from qualcode.core.codebook import Code
from qualcode.errors import QualcodeError
from qualcode.services import coding, kwic_coding
from qualcode.services import collocations as collocation_service
from qualcode.services import words as service
from qualcode.storage.store import Store
from qualcode.tui.screens.code_finder import CodeFinder
from qualcode.tui.screens.search import Jump
from qualcode.tui.screens.word_selection import FILTER_HINT, word_selection
from qualcode.tui.widgets.context_panel import plural

FILTER_PLACEHOLDER = "filter: level=school"
NARROW_FILTER_PLACEHOLDER = "level=school"  # at 80 columns a filter box shows twelve characters
# Keyness at 80 columns: the groups take twelve characters each, leaving the filter the most room.
GROUP_PLACEHOLDERS = {"key-by": ("by: level, role, school", "by: level"),
                      "key-a": ("group A: state", "A: state"), "key-b": ("group B: school", "B: school")}

UNITS = (("lemmas", "lemma"), ("word forms", "form"))
SORTS = (("reading order", "none"), ("sort by right", "right"), ("sort by left", "left"))
CODE_UNITS = (("code sentence", "sentence"), ("code match", "match"), ("code turn", "turn"))
COLLOCATION_SORTS = (("by G²", "ll"), ("by MI", "mi"), ("by count", "count"))
MARK = "✓"
T = TypeVar("T")


class WordsScreen(ModalScreen[Jump | None]):
    DEFAULT_CSS = """
    WordsScreen TabbedContent { height: 1fr; }
    WordsScreen TabPane { padding: 0; }
    WordsScreen .fields Select { width: 24; }
    WordsScreen.-narrow .fields Select { width: 21; }
    WordsScreen.-narrow #coll-sort { width: 16; }
    WordsScreen DataTable { height: 1fr; min-height: 4; }
    WordsScreen .words-summary { width: 100%; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("ctrl+t", "next_tab", "Next tab", tooltip="Frequencies, KWIC, keyness, collocations in turn"),
        Binding("space", "mark_line", "Mark line", tooltip="Mark or unmark the concordance line"),
        Binding("c", "code_lines", "Code marked", tooltip="Code every marked line with one code"),
        Binding("u", "undo", "Undo", tooltip="Undo your last change"),
    ]

    def __init__(self, store: Store, coder: str, codes: list[tuple[str, Code]] | None = None, *,
                 by: str = "level", a: str = "", b: str = "") -> None:
        super().__init__()
        self.store = store
        self.coder = coder
        self.codes = codes or []
        self.groups = (by, a, b)
        self.lines: list[service.KwicLine] = []
        self.marked: set[int] = set()
        self.keyness_table: service.KeynessTable | None = None
        self.counted: str | None = None  # the unit of the frequencies on show
        self.collocation_table: collocation_service.CollocationTable | None = None
        self.kwic_lemma = False  # the concordance a collocate asked for: every form of the node
        self.seek: tuple[str, str] | None = None  # (collocate, side) to put the KWIC cursor on

    def compose(self) -> ComposeResult:
        by, a, b = self.groups
        with Vertical(classes="dialog wide"):
            yield Label("Words: how the actors speak", classes="dialog-title")
            with TabbedContent(id="words-tabs"):
                with TabPane("Frequencies", id="words-freq"):
                    with Horizontal(classes="fields"):
                        yield Input(placeholder="filter: level=school role=rektor", id="freq-filter")
                        yield Input(placeholder="code: KEY (its passages)", id="freq-code")
                        yield Select(UNITS, value="lemma", allow_blank=False, id="freq-unit")
                    yield Label("Enter counts the words.", id="freq-summary", classes="words-summary")
                    yield DataTable(id="freq-table", cursor_type="row", zebra_stripes=True)
                with TabPane("KWIC", id="words-kwic"):
                    with Horizontal(classes="fields"):
                        yield Input(placeholder="word, phrase or pattern: kvalitet*", id="kwic-pattern")
                        yield Input(placeholder=FILTER_PLACEHOLDER, id="kwic-filter", classes="word-filter",
                                    tooltip=FILTER_HINT)
                        yield Select(SORTS, value="none", allow_blank=False, id="kwic-sort")
                        yield Select(CODE_UNITS, value="sentence", allow_blank=False, id="kwic-unit")
                    yield Label("Enter shows the lines; on a line: Enter reads it in context, space marks it, "
                                "c codes the marked lines.", id="kwic-summary", classes="words-summary")
                    yield DataTable(id="kwic-table", cursor_type="row")
                    yield Label("", id="kwic-line", classes="words-summary")
                with TabPane("Keyness", id="words-keyness"):
                    with Horizontal(classes="fields"):
                        for field, value in zip(GROUP_PLACEHOLDERS, (by, a, b), strict=True):
                            yield Input(value, placeholder=GROUP_PLACEHOLDERS[field][0], id=field, classes="group")
                        yield Input(placeholder=FILTER_PLACEHOLDER, id="key-filter", classes="word-filter",
                                    tooltip=FILTER_HINT)
                    yield Label("Enter compares group A with group B, both within the filter.", id="key-summary",
                                classes="words-summary")
                    yield DataTable(id="key-table", cursor_type="row", zebra_stripes=True)
                with TabPane("Collocations", id="words-coll"):
                    with Horizontal(classes="fields"):
                        yield Input(placeholder="node word: kvalitet*", id="coll-node")
                        yield Input(placeholder=FILTER_PLACEHOLDER, id="coll-filter", classes="word-filter",
                                    tooltip=FILTER_HINT)
                        yield Input("5", placeholder="window", type="integer", id="coll-window",
                                    classes="number", tooltip="Running words each side of the node")
                        yield Input("2", placeholder="min count", type="integer", id="coll-min",
                                    classes="number", tooltip="List collocates seen at least this often")
                        yield Select(COLLOCATION_SORTS, value="ll", allow_blank=False, id="coll-sort")
                    yield Label("Node word, filter, window (words each side), minimum count, sort; Enter lists the "
                                "words near the node. On a collocate, Enter shows its lines in KWIC.",
                                id="coll-summary", classes="words-summary")
                    yield DataTable(id="coll-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#freq-filter", Input).focus()
        self.fit_fields()
        self.count_words()

    def fit_fields(self) -> None:
        """A number needs less room than the node word (.fields Input is 1fr); at 80 columns
        a tab's fields still share one row, so the numbers, the keyness groups and the
        fields' hints shrink."""
        narrow = self.has_class("-narrow")
        for number in self.query(".number"):
            number.styles.width = 9 if narrow else 12
        for box in self.query(".word-filter").results(Input):
            box.placeholder = NARROW_FILTER_PLACEHOLDER if narrow else FILTER_PLACEHOLDER
        for box in self.query(".group").results(Input):
            box.styles.width = 16 if narrow else "1fr"
            box.placeholder = GROUP_PLACEHOLDERS[box.id or ""][narrow]

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        order = ["words-freq", "words-kwic", "words-keyness", "words-coll"]
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)] if tabs.active in order else order[0]
        first = {"words-freq": "#freq-filter", "words-kwic": "#kwic-pattern", "words-keyness": "#key-a",
                 "words-coll": "#coll-node"}
        self.query_one(first[tabs.active], Input).focus()

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < 100
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.fit_fields()
            if self.lines:
                self.show_lines()

    def _error(self, error: QualcodeError, title: str) -> None:
        self.notify(error.message + (f"\n{error.hint}" if error.hint else ""), title=title,
                    severity="warning", timeout=8)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        field = event.input.id or ""
        if field.startswith("freq-"):
            self.count_words()
        elif field.startswith("kwic-"):
            self.kwic_lemma = False  # typed by hand: the pattern as written
            self.concordance()
        elif field.startswith("key-"):
            self.compare_groups()
        elif field.startswith("coll-"):
            self.find_collocates()

    @on(Select.Changed, "#freq-unit")
    def _unit_changed(self, event: Select.Changed) -> None:
        if self.counted is not None and event.value != self.counted:
            self.count_words()

    @on(Select.Changed, "#kwic-sort")
    def _sort_changed(self) -> None:
        if self.lines:
            self.concordance()

    @on(Select.Changed, "#coll-sort")
    def _collocation_sort_changed(self, event: Select.Changed) -> None:
        if self.collocation_table is not None and event.value != self.collocation_table.sort:
            self.find_collocates()

    # ------------------------------------------------------------ frequencies

    def in_background(self, group: str, title: str, compute: Callable[[], T], show: Callable[[T], None],
                      summary: str) -> None:
        """Count in a worker (a million words take a second or two); draw on the UI thread.
        A newer request of the same kind cancels the older one; errors become a message,
        and the summary goes back to the table still on show."""
        label = self.query_one(summary, Label)
        before = label.content
        label.update("Counting…")

        def failed(error: QualcodeError) -> None:
            label.update(before)
            self._error(error, title)

        def work() -> None:
            try:
                result = compute()
            except QualcodeError as error:
                self.app.call_from_thread(failed, error)
                return
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(show, result)

        self.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def selection(self, field: str, title: str, command: str, *, codes: list[str] | None = None,
                  include_interviewer: bool = False) -> Callable[[], service.Selection] | None:
        """The selection a tab's filter box asks for (made in the worker), or None when
        the filter cannot be read: said in a message, as in every tab."""
        try:
            return word_selection(self.store, self.query_one(field, Input).value, codes=codes or [],
                                  include_interviewer=include_interviewer, command=command)
        except QualcodeError as error:
            self._error(error, title)
            return None

    def count_words(self) -> None:
        codes = [c for c in self.query_one("#freq-code", Input).value.replace(",", " ").split() if c]
        chosen = self.selection("#freq-filter", "Word frequencies", "words", codes=codes)
        if chosen is None:
            return
        lemma = self.query_one("#freq-unit", Select).value == "lemma"
        self.counted = "lemma" if lemma else "form"

        def count() -> service.WordTable:
            return service.frequencies(self.store, chosen(), lemma=lemma, limit=200)

        self.in_background("words-freq", "Word frequencies", count, self.show_words, "#freq-summary")

    def show_words(self, table: service.WordTable) -> None:
        grid = self.query_one("#freq-table", DataTable)
        grid.clear(columns=True)
        grid.add_column(table.unit, key="word")
        for name in ("count", "per 10,000", "documents", "speakers"):
            grid.add_column(name, key=name)
        for row in table.words:
            grid.add_row(row.word, Text(str(row.count), justify="right"), Text(f"{row.per_10k:.1f}", justify="right"),
                         Text(str(row.documents), justify="right"), Text(str(row.speakers), justify="right"))
        self.query_one("#freq-summary", Label).update(
            f"{table.total_words:,} running words ({table.selection}); {table.distinct:,} distinct {table.unit}s "
            "without stop words and fillers; interviewer turns left out.")
        if table.words:
            grid.focus()  # the filter is one shift+tab away

    # ------------------------------------------------------------ concordance

    def concordance(self) -> None:
        pattern = self.query_one("#kwic-pattern", Input).value
        sort = self.query_one("#kwic-sort", Select).value
        lemma = self.kwic_lemma
        # The interviewer's lines stay in, as in `qualcode kwic`: a question can hold the word too.
        chosen = self.selection("#kwic-filter", "Keywords in context", "kwic", include_interviewer=True)
        if chosen is None:
            return

        def find() -> tuple[service.KwicPage, str]:
            selection = chosen()
            return service.kwic(self.store, pattern, selection, lemma=lemma,
                                sort=None if sort == "none" else str(sort), limit=500), selection.described()

        self.in_background("words-kwic", "Keywords in context", find, self.show_page, "#kwic-summary")

    def show_page(self, found: tuple[service.KwicPage, str]) -> None:
        page, described = found
        self.lines = page.lines
        self.marked = set()
        self.show_lines()
        shown = f", first {len(page.lines)} shown" if page.total > len(page.lines) else ""
        forms = ", ".join(page.forms[:6]) + ("…" if len(page.forms) > 6 else "")
        among = f" in {described}" if described != "all words" else ""
        self.query_one("#kwic-summary", Label).update(
            f"{page.total} lines of '{page.query}' ({forms}){among}{shown}. Enter: read in context · space: mark · "
            "c: code the marked lines")
        table = self.query_one("#kwic-table", DataTable)
        if self.seek is not None:
            self._seek_collocate(*self.seek)
            self.seek = None
        if self.lines:
            table.focus()

    def show_lines(self) -> None:
        """Left context right-aligned against the match; at 80 columns the attribution
        of the line under the cursor goes below the table instead of in a column."""
        table = self.query_one("#kwic-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        narrow = self.has_class("-narrow")
        inner = self.app.size.width - 2 if narrow else int(self.app.size.width * 0.9) - 6
        side = max(12, (inner - (28 if narrow else 62)) // 2)
        table.add_column(" ", key="mark", width=1)
        table.add_column("left", key="left", width=side)
        table.add_column("match", key="match")
        table.add_column("right", key="right", width=side)
        if not narrow:
            table.add_column("who", key="who")
        for i, line in enumerate(self.lines):
            cells = [MARK if i in self.marked else " ", Text(line.left[-side:], justify="right", style="dim"),
                     Text(line.match, style="bold"), Text(line.right[:side], style="dim")]
            if not narrow:
                cells.append(Text(f"{line.citation} {line.document}".strip(), style="italic"))
            table.add_row(*cells, key=str(i))
        if self.lines:
            table.move_cursor(row=min(row, len(self.lines) - 1))
        self._show_line_source()

    @on(DataTable.RowHighlighted, "#kwic-table")
    def _line_highlighted(self) -> None:
        self._show_line_source()

    def _show_line_source(self) -> None:
        table = self.query_one("#kwic-table", DataTable)
        label = self.query_one("#kwic-line", Label)
        if not self.lines or table.cursor_row >= len(self.lines):
            label.update("")
            return
        line = self.lines[table.cursor_row]
        label.update(f"{table.cursor_row + 1}/{len(self.lines)}: {line.citation} {line.document}, "
                     f"characters {line.start}-{line.end}")

    def action_mark_line(self) -> None:
        table = self.query_one("#kwic-table", DataTable)
        if not self.lines or self.focused is not table:
            return
        i = table.cursor_row
        self.marked ^= {i}
        table.update_cell(str(i), "mark", MARK if i in self.marked else " ")
        if i + 1 < len(self.lines):
            table.move_cursor(row=i + 1)
        self.query_one("#kwic-summary", Label).update(
            f"{len(self.marked)} of {len(self.lines)} lines marked · c codes them · space marks another")

    def action_code_lines(self) -> None:
        if not self.marked:
            self.notify("Mark lines with space first.", severity="warning", timeout=3)
            return
        if not self.codes:
            self.notify("No codebook loaded: qualcode codebook load FILE.", severity="warning")
            return
        chosen = [self.lines[i] for i in sorted(self.marked)]
        unit = str(self.query_one("#kwic-unit", Select).value)
        slugs = {code.id: slug for slug, code in self.codes}

        def apply(code: Code | None) -> None:
            if code is None:
                return
            try:
                done = kwic_coding.code_lines(self.store, chosen, f"{slugs[code.id]}:{code.key}", self.coder,
                                              unit=unit)
            except QualcodeError as error:
                self._error(error, "Not coded")
                return
            self.marked = set()
            self.show_lines()
            already = f" ({done.already_coded} already coded so)" if done.already_coded else ""
            count = len(done.codings)
            self.notify(f"Coded {plural(count, unit)} with {code.label_en}{already}. "
                        f"u undoes {'it' if count == 1 else 'them together'}.",
                        timeout=4)

        self.app.push_screen(CodeFinder(self.codes), apply)

    def action_undo(self) -> None:
        try:
            what = coding.undo(self.store, self.coder)
        except QualcodeError as error:
            self.notify(error.message, severity="warning")
            return
        self.notify(f"Undone: {what}", timeout=3)

    @on(DataTable.RowSelected, "#kwic-table")
    def _line_chosen(self, event: DataTable.RowSelected) -> None:
        line = self.lines[int(event.row_key.value or 0)]
        ids = service_document_ids(self.store, {x.document for x in self.lines})
        hits = tuple((ids[x.document], x.start, x.end) for x in self.lines)
        self.dismiss(Jump(ids[line.document], line.start, line.end, hits))

    # ------------------------------------------------------------ keyness

    def compare_groups(self) -> None:
        by = self.query_one("#key-by", Input).value.strip() or "level"
        a = self.query_one("#key-a", Input).value.strip()
        b = self.query_one("#key-b", Input).value.strip()
        if not a or not b:
            self.notify("Name both groups: a value of the attribute for A and one for B.", severity="warning")
            return
        chosen = self.selection("#key-filter", "Keyness", "keyness")
        if chosen is None:
            return

        def compare() -> tuple[service.KeynessTable, str]:
            selection = chosen()  # narrows both groups, as --attr, --code and --set do
            return service.keyness(self.store, by, a, b, selection, limit=200), selection.described()

        self.in_background("words-keyness", "Keyness", compare, self.show_keyness, "#key-summary")

    def show_keyness(self, found: tuple[service.KeynessTable, str]) -> None:
        table, described = found
        by, a, b = table.by, table.a, table.b
        self.keyness_table = table
        grid = self.query_one("#key-table", DataTable)
        grid.clear(columns=True)
        wide = not self.has_class("-narrow")
        for name in ("word", "more in", "G²", "p adj.", "log ratio", a, b, *(("per 10k A", "per 10k B") if wide else ())):
            grid.add_column(name)
        for w in table.words:
            p = "<0.001" if w.p_adjusted < 0.001 else f"{w.p_adjusted:.3f}"
            values = [f"{w.g2:.1f}", p, f"{w.log_ratio:+.2f}", str(w.count_a), str(w.count_b)]
            values += [f"{w.per_10k_a:.1f}", f"{w.per_10k_b:.1f}"] if wide else []
            grid.add_row(w.word, a if w.log_ratio > 0 else b, *(Text(v, justify="right") for v in values))
        among = f" in {described}" if described != "all words" else ""
        self.query_one("#key-summary", Label).update(
            f"{by}={a} ({table.total_a:,} words) against {by}={b} ({table.total_b:,} words){among}: {table.tested} words "
            f"tested (at least {table.min_freq} uses), p corrected by {table.correction}; "
            "log ratio > 0: more in A.")
        if table.words:
            grid.focus()

    # ------------------------------------------------------------ collocations

    def find_collocates(self) -> None:
        node = self.query_one("#coll-node", Input).value.strip()
        if not node:
            self.notify("Type a node word (or a pattern such as kvalitet*) and Enter.", severity="warning")
            return
        numbers = {}
        for field, name in (("#coll-window", "window"), ("#coll-min", "minimum count")):
            text = self.query_one(field, Input).value.strip()
            if not text.isdigit() or int(text) < 1:
                self.notify(f"The {name} '{text}' is not a whole number of 1 or more (5 and 2 are usual).",
                            title="Collocations", severity="warning", timeout=8)
                return
            numbers[name] = int(text)
        sort = str(self.query_one("#coll-sort", Select).value)
        chosen = self.selection("#coll-filter", "Collocations", "collocations")
        if chosen is None:
            return
        self.in_background("words-coll", "Collocations", lambda: collocation_service.collocations(
            self.store, node, chosen(), window=numbers["window"], min_count=numbers["minimum count"],
            lemma=True, sort=sort, limit=200), self.show_collocates, "#coll-summary")

    def show_collocates(self, table: collocation_service.CollocationTable) -> None:
        self.collocation_table = table
        grid = self.query_one("#coll-table", DataTable)
        grid.clear(columns=True)
        grid.add_column(table.unit, key="word")
        for name in ("count", "left", "right", "expected", "MI", "G²", "p"):
            grid.add_column(name, key=name)
        for c in table.collocates:
            values = [str(c.count), str(c.left), str(c.right), f"{c.expected:.2f}", f"{c.mi:.2f}", f"{c.g2:.2f}",
                      f"{c.p:.2g}"]
            grid.add_row(c.word, *(Text(v, justify="right") for v in values), key=c.word)
        forms = ", ".join(table.forms[:6]) + ("…" if len(table.forms) > 6 else "")
        by = {"ll": "G²", "mi": "MI", "count": "count"}[table.sort]
        found = f"{len(table.collocates)} collocates" if table.collocates else "no collocates"
        self.query_one("#coll-summary", Label).update(
            f"'{table.node}' ({forms}) {table.node_count} times in {table.total_words:,} running words "
            f"({table.selection}), {table.window} words each side: {found} seen ≥ {table.min_count} times and "
            f"more often than expected, by {by}. Enter: the lines in KWIC.")
        if table.collocates:
            grid.focus()

    @on(DataTable.RowSelected, "#coll-table")
    def _collocate_chosen(self, event: DataTable.RowSelected) -> None:
        """The node's lines in KWIC (every form, as counted here, in the same filter),
        sorted by the side the collocate mostly stands on, the cursor on the first line it
        stands in."""
        table = self.collocation_table
        if table is None:
            return
        chosen = next(c for c in table.collocates if c.word == event.row_key.value)
        side = "right" if chosen.right >= chosen.left else "left"
        self.query_one("#kwic-pattern", Input).value = table.node
        self.query_one("#kwic-filter", Input).value = self.query_one("#coll-filter", Input).value  # the same words
        sort = self.query_one("#kwic-sort", Select)
        with sort.prevent(Select.Changed):
            sort.value = side
        self.kwic_lemma = table.unit == "lemma"
        self.seek = (chosen.word, side)
        self.query_one(TabbedContent).active = "words-kwic"
        self.concordance()

    def _seek_collocate(self, word: str, side: str) -> None:
        """Put the cursor on the first line with the collocate (a word beginning with it,
        so a lemma finds its inflected forms) on its side of the match."""
        table = self.query_one("#kwic-table", DataTable)
        stem = word.lower()
        for i, line in enumerate(self.lines):
            context = line.right if side == "right" else line.left
            if any(w.strip(".,;:!?\"'()–-").startswith(stem) for w in context.lower().split()):
                table.move_cursor(row=i)
                return

    def action_back(self) -> None:
        self.dismiss(None)


def service_document_ids(store: Store, names: set[str]) -> dict[str, int]:
    """Document ids of concordance lines (which name their documents)."""
    from qualcode.services import workbench

    return {p.document.name: p.document.id for p in workbench.documents_with_progress(store)
            if p.document.name in names}
