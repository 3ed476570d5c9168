"""Coding as a picture in the terminal: the open document's codeline and the codes by
documents overview.

Open it from the main screen with ``CodingPicturesScreen(store, document_id, codebook)``
(the open document and the active codebook's slug). Two tabs:

* **Codeline**: one strip of block characters per code along the document, in the
  code's colour, shaded by how much of each stretch is coded (``p`` splits the strips
  by coder). Enter on a strip jumps to its first coding, the others as hits.
* **Codes × documents**: codings per code and document (``s`` shows the share of the
  text instead), the cursor's cell named in full below; Enter jumps to that code's
  first coding in that document.

Whose codings: one coder by default, as in every comparison (see
:mod:`qualcode.services.coder_scope`); the note says which. Data from
:mod:`qualcode.services.pictures`; it returns a Jump or None.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, OptionList, TabbedContent, TabPane
from textual.widgets.option_list import Option

from qualcode.core.pictures import CodeDocumentMatrix, Codeline, strip
from qualcode.errors import QualcodeError
from qualcode.services import coder_scope, pictures
from qualcode.storage.store import Store
from qualcode.tui.screens.search import Jump

SHADES = " ░▒▓█"


class CodingPicturesScreen(ModalScreen[Jump | None]):
    DEFAULT_CSS = """
    CodingPicturesScreen TabbedContent { height: 1fr; }
    CodingPicturesScreen TabPane { padding: 0; }
    CodingPicturesScreen #codeline-rows { height: 1fr; }
    CodingPicturesScreen #code-doc-table { height: 1fr; min-height: 4; }
    CodingPicturesScreen .pictures-summary { width: 100%; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("ctrl+t", "next_tab", "Next tab", tooltip="Codeline, codes by documents in turn"),
        Binding("p", "per_coder", "Per coder", tooltip="Codeline: one strip per code and coder"),
        Binding("s", "share", "Count / share", tooltip="Overview: codings or share of the text"),
    ]

    def __init__(self, store: Store, document_id: int | None, codebook: str | None) -> None:
        super().__init__()
        self.store = store
        self.document_id = document_id
        self.codebook = codebook or None
        self.scope = coder_scope.resolve(store, None)
        self.per_coder = False
        self.measure = "count"
        self.line: Codeline | None = None
        self.matrix: CodeDocumentMatrix | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Coding as a picture", classes="dialog-title")
            with TabbedContent(id="pictures-tabs"):
                with TabPane("Codeline", id="pic-codeline"):
                    yield Label("", id="codeline-summary", classes="pictures-summary")
                    yield OptionList(id="codeline-rows")
                with TabPane("Codes × documents", id="pic-matrix"):
                    yield Label("", id="matrix-summary", classes="pictures-summary")
                    yield DataTable(id="code-doc-table", cursor_type="cell", cell_padding=0)
                    yield Label("", id="matrix-cell", classes="pictures-summary")

    def on_mount(self) -> None:
        self.show_codeline()
        self.show_overview()
        self.query_one("#codeline-rows", OptionList).focus()

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "pic-matrix" if tabs.active == "pic-codeline" else "pic-codeline"
        if tabs.active == "pic-matrix":
            self.query_one("#code-doc-table", DataTable).focus()
        else:
            self.query_one("#codeline-rows", OptionList).focus()

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < 100
        self.set_class(narrow, "-narrow")
        if self.line is not None:
            self.draw_codeline(self.line)

    def _error(self, error: QualcodeError, where: str) -> None:
        self.query_one(where, Label).update(Text(error.message + (f" {error.hint}" if error.hint else ""),
                                                 style="bold"))

    # ------------------------------------------------------------ codeline

    def show_codeline(self) -> None:
        options = self.query_one("#codeline-rows", OptionList)
        options.clear_options()
        if self.document_id is None:
            self.query_one("#codeline-summary", Label).update("No document open.")
            return
        coders = () if self.per_coder else self.scope.coders
        try:
            self.line = pictures.codeline(self.store, self.document_id, codebook=self.codebook, coders=coders,
                                          per_coder=self.per_coder)
        except QualcodeError as error:
            self.line = None
            self._error(error, "#codeline-summary")
            return
        self.draw_codeline(self.line)

    def _strip_width(self, label: int) -> int:
        width = self.app.size.width
        inner = width - 2 if self.has_class("-narrow") else int(width * 0.9) - 6
        return max(10, inner - label - 9)  # the list's border, padding and scroll bar

    def draw_codeline(self, line: Codeline) -> None:
        options = self.query_one("#codeline-rows", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        names = [r.key + (f" {r.coder}" if r.coder else "") for r in line.rows]
        label = min(max(len(n) for n in names), 26 if not self.has_class("-narrow") else 20)
        width = self._strip_width(label)
        for i, (row, name) in enumerate(zip(line.rows, names, strict=True)):
            text = Text(name[:label].ljust(label) + " ", style="bold", no_wrap=True, overflow="crop")
            text.append(strip(row.spans, line.length, width), style=row.colour or "")
            options.add_option(Option(text, id=str(i)))
        if line.turns:
            text = Text("turns".ljust(label) + " ", style="dim", no_wrap=True, overflow="crop")
            talk = [(s, e) for s, e, _, interviewer in line.turns if not interviewer]
            text.append(strip(talk, line.length, width), style="dim")
            options.add_option(Option(text, id="turns", disabled=True))
        if line.rows:
            options.highlighted = min(highlighted or 0, len(line.rows) - 1)
        note = "Every coder, one strip each" if self.per_coder else self.scope.note.split(";")[0]
        self.query_one("#codeline-summary", Label).update(
            f"{line.document}: {len(line.rows)} strip{'' if len(line.rows) == 1 else 's'}, "
            f"{line.length:,} characters left to right. {note}. "
            "Enter: first coding · p: per coder")

    @on(OptionList.OptionSelected, "#codeline-rows")
    def _strip_chosen(self, event: OptionList.OptionSelected) -> None:
        if self.line is None or not (event.option.id or "").isdigit():
            return
        row = self.line.rows[int(event.option.id or 0)]
        hits = tuple((self.line.document_id, s, e) for s, e in row.spans)
        start, end = row.spans[0]
        self.dismiss(Jump(self.line.document_id, start, end, hits))

    def action_per_coder(self) -> None:
        self.per_coder = not self.per_coder
        self.show_codeline()

    # ------------------------------------------------------------ codes x documents

    def show_overview(self) -> None:
        if not self.codebook:
            self.query_one("#matrix-summary", Label).update("No codebook loaded.")
            return
        try:
            self.matrix = pictures.code_matrix(self.store, codebook=self.codebook, measure=self.measure,
                                               coders=self.scope.coders)
        except QualcodeError as error:
            self.matrix = None
            self._error(error, "#matrix-summary")
            return
        self.draw_overview(self.matrix)

    def draw_overview(self, matrix: CodeDocumentMatrix) -> None:
        grid = self.query_one("#code-doc-table", DataTable)
        place = grid.cursor_coordinate
        grid.clear(columns=True)
        grid.add_column("code ", key="code")
        for j, _ in enumerate(matrix.documents):
            grid.add_column(Text(str(j + 1), justify="right"), key=str(j), width=3)
        values = matrix.values()
        top = max((v for row in values for v in row), default=0.0) or 1.0
        for i, key in enumerate(matrix.row_keys):
            cells: list[Text] = [Text("  " * matrix.depths[i] + key + " ", style=f"bold {matrix.row_colours[i] or ''}")]
            for value in values[i]:
                if value <= 0:
                    cells.append(Text("·", style="dim", justify="right"))
                    continue
                shade = SHADES[min(len(SHADES) - 1, 1 + int(value / top * (len(SHADES) - 2) + 0.5))]
                shown = f"{value * 100:.0f}" if self.measure == "share" else f"{value:.0f}"
                cells.append(Text(f"{shade}{shown}"[-3:].rjust(3), style=matrix.row_colours[i] or "",
                                  justify="right"))
            grid.add_row(*cells, key=str(i))
        if place.row < grid.row_count and place.column < len(grid.columns):
            grid.cursor_coordinate = place
        if grid.cursor_coordinate.column == 0 and len(grid.columns) > 1:
            grid.cursor_coordinate = grid.cursor_coordinate._replace(column=1)
        what = "% of each document's text coded" if self.measure == "share" else "codings"
        self.query_one("#matrix-summary", Label).update(
            f"{matrix.codebook}: {what} per code (rows) and document (columns 1-{len(matrix.documents)}); "
            f"{self.scope.note.split(';')[0]}. s: count / share · Enter: the passages")
        self._describe_cell()

    @on(DataTable.CellHighlighted, "#code-doc-table")
    def _cell_moved(self) -> None:
        self._describe_cell()

    def _describe_cell(self) -> None:
        matrix = self.matrix
        if matrix is None:
            return
        where = self.query_one("#code-doc-table", DataTable).cursor_coordinate
        if where.column == 0 or where.row >= len(matrix.row_keys):
            self.query_one("#matrix-cell", Label).update("")
            return
        i, j = where.row, where.column - 1
        self.query_one("#matrix-cell", Label).update(
            f"{matrix.row_keys[i]} in {j + 1}. {matrix.documents[j]}: {matrix.counts[i][j]} codings, "
            f"{matrix.shares[i][j]:.1%} of its text")

    @on(DataTable.CellSelected, "#code-doc-table")
    def _cell_chosen(self, event: DataTable.CellSelected) -> None:
        matrix = self.matrix
        if matrix is None or event.coordinate.column == 0:
            return
        i, j = event.coordinate.row, event.coordinate.column - 1
        if not matrix.counts[i][j]:
            self.notify("No codings in this cell.", severity="warning", timeout=2)
            return
        try:
            line = pictures.codeline(self.store, matrix.document_ids[j], codebook=matrix.codebook,
                                     codes=(matrix.row_keys[i],), coders=self.scope.coders)
        except QualcodeError as error:
            self.notify(error.message, severity="error")
            return
        spans = [s for row in line.rows for s in row.spans]
        hits = tuple((line.document_id, s, e) for s, e in spans)
        self.dismiss(Jump(line.document_id, spans[0][0], spans[0][1], hits))

    def action_share(self) -> None:
        self.measure = "share" if self.measure == "count" else "count"
        self.show_overview()

    def action_back(self) -> None:
        self.dismiss(None)
