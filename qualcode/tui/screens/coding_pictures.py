"""Coding as a picture in the terminal: the open document's codeline, the codes by
documents overview and the codes that co-occur.

Open it from the main screen with ``CodingPicturesScreen(store, document_id, codebook)``
(the open document and the active codebook's slug). Three tabs, ``ctrl+t`` goes on to
the next:

* **Codeline**: one strip of block characters per code along the document, in the
  code's colour, shaded by how much of each stretch is coded (``p`` splits the strips
  by coder). Enter on a strip jumps to its first coding, the others as hits.
* **Codes × documents**: codings per code and document (``s`` shows the share of the
  text instead), the cursor's cell named in full below; Enter jumps to that code's
  first coding in that document.
* **Co-occurrence**: the pairs of codes that occur together, strongest first, with a bar
  scaled to the strongest pair and each code's own codings; ``m`` counts overlapping
  codings, codings in the same sentence or codings within two sentences in turn. Enter
  jumps to the first coding behind the pair, the others as hits.

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

from qualcode.core.pictures import CodeDocumentMatrix, Codeline, CodeNetwork, strip
from qualcode.errors import QualcodeError
from qualcode.services import coder_scope, pictures
from qualcode.storage.store import Store
from qualcode.tui.screens.search import Jump

SHADES = " ░▒▓█"
EIGHTHS = " ▏▎▍▌▋▊▉█"  # a bar's last cell, by eighths
# What ``m`` steps through: code_network's mode and window, and what that mode counts.
NETWORK_MODES = (("overlap", None, "overlapping codings"), ("segment", None, "codings in the same sentence"),
                 ("near", 2, "codings within 2 sentences"))


def bar(value: int, top: int, width: int) -> str:
    """``value`` of ``top`` as a bar of block characters ``width`` cells long at most."""
    if width <= 0 or top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, part = divmod(min(eighths, width * 8), 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def _cut(key: str, width: int) -> str:
    return key if len(key) <= width else key[:max(1, width - 1)] + "…"


class CodingPicturesScreen(ModalScreen[Jump | None]):
    DEFAULT_CSS = """
    CodingPicturesScreen TabbedContent { height: 1fr; }
    CodingPicturesScreen TabPane { padding: 0; }
    CodingPicturesScreen #codeline-rows { height: 1fr; }
    CodingPicturesScreen #code-doc-table { height: 1fr; min-height: 4; }
    CodingPicturesScreen #network-table { height: 1fr; min-height: 4; }
    CodingPicturesScreen .pictures-summary { width: 100%; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("ctrl+t", "next_tab", "Next tab", tooltip="Codeline, codes by documents, co-occurrence in turn"),
        Binding("p", "per_coder", "Per coder", tooltip="Codeline: one strip per code and coder"),
        Binding("s", "share", "Count / share", tooltip="Overview: codings or share of the text"),
        Binding("m", "network_mode", "Mode", tooltip="Co-occurrence: overlapping, same sentence, within 2 sentences"),
    ]
    TABS = ("pic-codeline", "pic-matrix", "pic-network")

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
        self.network_mode = 0  # an index into NETWORK_MODES
        self.network: CodeNetwork | None = None
        self.pairs: list[tuple[int, int, int]] = []  # the network's edges, strongest first

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
                with TabPane("Co-occurrence", id="pic-network"):
                    yield Label("", id="network-summary", classes="pictures-summary")
                    yield DataTable(id="network-table", cursor_type="row", zebra_stripes=True)
                    yield Label("", id="network-pair", classes="pictures-summary")

    def on_mount(self) -> None:
        self.show_codeline()
        self.show_overview()
        self.show_network()
        self.query_one("#codeline-rows", OptionList).focus()

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = self.TABS[(self.TABS.index(tabs.active) + 1) % len(self.TABS)]
        focus = {"pic-codeline": "#codeline-rows", "pic-matrix": "#code-doc-table", "pic-network": "#network-table"}
        self.query_one(focus[tabs.active]).focus()

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < 100
        self.set_class(narrow, "-narrow")
        if self.line is not None:
            self.draw_codeline(self.line)
        if self.network is not None:
            self.draw_network(self.network)

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
        note = "Every coder, one strip each" if self.per_coder else self.scope.who
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
            f"{self.scope.who}. s: count / share · Enter: the passages")
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

    # ------------------------------------------------------------ co-occurrence

    def show_network(self) -> None:
        self.network, self.pairs = None, []
        self.query_one("#network-table", DataTable).clear(columns=True)
        self.query_one("#network-pair", Label).update("")
        if not self.codebook:
            self.query_one("#network-summary", Label).update("No codebook loaded.")
            return
        mode, window, _ = NETWORK_MODES[self.network_mode]
        try:
            self.network = pictures.code_network(self.store, codebook=self.codebook, mode=mode, window=window,
                                                 coders=self.scope.coders)
        except QualcodeError as error:
            self._error(error, "#network-summary")
            return
        self.pairs = sorted(self.network.edges, key=lambda e: (-e[2], e[0], e[1]))
        self.draw_network(self.network)

    def _network_widths(self, network: CodeNetwork) -> tuple[int, int]:
        """The code columns' width and the bar's, from the screen's width."""
        width = self.app.size.width
        inner = width - 2 if self.has_class("-narrow") else int(width * 0.9) - 6
        longest = max((len(n.key) for n in network.nodes), default=4)
        # 3 figures of 5 and 6 columns' padding of 2; the rest split between the keys and the bar
        rest = max(20, inner - 15 - 12 - 2)
        code = max(6, min(longest, (rest - 8) // 2, 30))
        return code, max(6, min(40, rest - 2 * code))

    def draw_network(self, network: CodeNetwork) -> None:
        table = self.query_one("#network-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        summary = self.query_one("#network-summary", Label)
        head, note = network.caption.split(";")[0], self.scope.who
        if not self.pairs:
            summary.update(Text(f"{head}: no two codes co-occur this way; "
                                f"m counts {NETWORK_MODES[(self.network_mode + 1) % len(NETWORK_MODES)][2]}. "
                                f"{note}.", style="bold"))
            return
        code, width = self._network_widths(network)
        table.add_column("code A", key="a", width=code)
        table.add_column("code B", key="b", width=code)
        table.add_column(Text("pairs", justify="right"), key="pairs", width=5)
        table.add_column("", key="bar", width=width)
        table.add_column(Text("A", justify="right"), key="na", width=5)
        table.add_column(Text("B", justify="right"), key="nb", width=5)
        top = self.pairs[0][2]
        nodes = network.nodes
        for i, (a, b, n) in enumerate(self.pairs):
            table.add_row(Text(_cut(nodes[a].key, code), style=f"bold {nodes[a].colour or ''}"),
                          Text(_cut(nodes[b].key, code), style=f"bold {nodes[b].colour or ''}"),
                          Text(str(n), justify="right"), Text(bar(n, top, width)),
                          Text(str(nodes[a].codings), justify="right", style="dim"),
                          Text(str(nodes[b].codings), justify="right", style="dim"), key=str(i))
        table.move_cursor(row=min(row, len(self.pairs) - 1))
        count = len(self.pairs)
        summary.update(f"{head}: {count} pair{'' if count == 1 else 's'} of codes, strongest first; A, B: each "
                       f"code's codings. {note}. m: next mode · Enter: the passages")
        self._describe_pair()

    @on(DataTable.RowHighlighted, "#network-table")
    def _pair_moved(self) -> None:
        self._describe_pair()

    def _describe_pair(self) -> None:
        network, row = self.network, self.query_one("#network-table", DataTable).cursor_row
        if network is None or not 0 <= row < len(self.pairs):
            return
        a, b, n = self.pairs[row]
        first, second = network.nodes[a], network.nodes[b]
        self.query_one("#network-pair", Label).update(
            f"{first.key} ({first.label}, {first.codings}) with {second.key} ({second.label}, {second.codings}): "
            f"{n} coding pair{'' if n == 1 else 's'}")

    @on(DataTable.RowSelected, "#network-table")
    def _pair_chosen(self, event: DataTable.RowSelected) -> None:
        network = self.network
        if network is None or not 0 <= event.cursor_row < len(self.pairs):
            return
        a, b, _ = self.pairs[event.cursor_row]
        mode, window, _ = NETWORK_MODES[self.network_mode]
        try:
            hits = pictures.network_passages(self.store, network.nodes[a].key, network.nodes[b].key,
                                             codebook=network.codebook, mode=mode, window=window,
                                             coders=self.scope.coders)
        except QualcodeError as error:
            self.notify(error.message, severity="error")
            return
        if not hits:
            self.notify("No passages behind this pair.", severity="warning", timeout=2)
            return
        document_id, start, end = hits[0]
        self.dismiss(Jump(document_id, start, end, hits))

    def action_network_mode(self) -> None:
        self.network_mode = (self.network_mode + 1) % len(NETWORK_MODES)
        self.show_network()

    def action_back(self) -> None:
        self.dismiss(None)
