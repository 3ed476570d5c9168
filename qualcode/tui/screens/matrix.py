"""The comparison matrix in the workbench: codes by a group attribute, each cell marked
when it holds clearly more or fewer codings than independence predicts, and the
passages behind any cell one Enter away.

Open it from the main screen with ``MatrixScreen(store, codebook)`` (a codebook slug,
e.g. the active one; empty leaves the input for the user), optionally ``by="level"``
and ``measure="codings"``. It returns a :class:`~qualcode.tui.screens.search.Jump` to
the passage chosen (Enter on a passage of a cell), with the cell's other passages as
hits so 'next hit' goes on through them; None when closed.

Counts, the chi-square test and the residual flags come from
:mod:`qualcode.services.compare`; this screen only draws them.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from qualcode.core.model import CodedPassage
from qualcode.errors import QualcodeError
from qualcode.services import coder_scope, compare, retrieval
from qualcode.storage.store import Store
from qualcode.tui.screens.search import Jump

MEASURES = (("codings", "codings"), ("documents", "documents"), ("speakers", "speakers"),
            ("% of sentences", "segments"), ("per 1,000 words", "per1000"))
OVER, UNDER = "▲", "▼"


class MatrixTable(DataTable):
    """A data table whose residual styles come from the theme, so both themes read well."""

    COMPONENT_CLASSES = {"matrix--over", "matrix--under"}
    DEFAULT_CSS = """
    MatrixTable > .matrix--over {
        background: $success-muted;
        color: $text-success;
        text-style: bold;
    }
    MatrixTable > .matrix--under {
        background: $error-muted;
        color: $text-error;
        text-style: underline;
    }
    """

    def flag_style(self, flag: str) -> Style:
        if flag == "+":
            return self.get_component_rich_style("matrix--over", partial=True)
        if flag == "-":
            return self.get_component_rich_style("matrix--under", partial=True)
        return Style()


class MatrixScreen(ModalScreen[Jump | None]):
    DEFAULT_CSS = """
    MatrixScreen .fields Select { width: 1fr; }
    MatrixScreen #matrix-table { height: 1fr; min-height: 5; }
    MatrixScreen #matrix-passages { height: 1fr; min-height: 5; }
    MatrixScreen #matrix-cell { text-style: bold; }
    MatrixScreen Label { width: 100%; }
    """
    BINDINGS = [Binding("escape", "back", "Close")]

    def __init__(self, store: Store, codebook: str = "", *, by: str = "level", measure: str = "codings") -> None:
        super().__init__()
        self.store = store
        self.initial = (codebook, by, measure)
        self.matrix: compare.ComparisonMatrix | None = None
        self.passages: list[CodedPassage] = []
        self.scope: coder_scope.CoderScope | None = None

    def compose(self) -> ComposeResult:
        codebook, by, measure = self.initial
        with Vertical(classes="dialog wide"):
            yield Label("Compare codes across groups", classes="dialog-title")
            with Horizontal(classes="fields"):
                yield Input(codebook, placeholder="codebook slug", id="matrix-codebook")
                yield Input(by, placeholder="by: level, role, school, document, speaker, coder", id="matrix-by")
                yield Select(MEASURES, value=measure, allow_blank=False, id="matrix-measure")
                self.prefilled = self._default_coders(by)
                yield Input(self.prefilled, placeholder="coder: a name, or all", id="matrix-coder")
            yield Label("Enter computes; Enter on a cell lists its passages.", id="matrix-summary",
                        classes="dialog-hint")
            yield Label("", id="matrix-legend")
            yield MatrixTable(id="matrix-table", cursor_type="cell")
            yield Label("", id="matrix-cell")
            yield OptionList(id="matrix-passages")

    def on_resize(self, event: events.Resize) -> None:
        """At 80 columns: the whole screen, code keys without labels, a one-line legend."""
        narrow = event.size.width < 100
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            if self.matrix is not None:
                self.show_matrix(self.matrix)

    def on_mount(self) -> None:
        self.query_one("#matrix-cell", Label).display = False
        self.query_one("#matrix-passages", OptionList).display = False
        self.watch(self.app, "theme", self._theme_changed, init=False)
        if self.initial[0]:
            self.run_query()
        else:
            self.query_one("#matrix-codebook", Input).focus()

    def _theme_changed(self) -> None:
        if self.matrix is not None:
            self.call_after_refresh(self.show_matrix, self.matrix)  # the new theme's CSS first

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.run_query()

    @on(Select.Changed, "#matrix-measure")
    def _measure_changed(self, event: Select.Changed) -> None:
        if self.matrix is not None and event.value != self.matrix.query.measure:
            self.run_query()

    def _default_coders(self, by: str) -> str:
        """One coder unless told otherwise: pooling counts double-coded passages twice."""
        return ", ".join(coder_scope.resolve(self.store, None, by=by).coders)

    def query_of_inputs(self) -> compare.ComparisonQuery:
        measure = self.query_one("#matrix-measure", Select).value
        by = self.query_one("#matrix-by", Input).value.strip() or "level"
        typed = self.query_one("#matrix-coder", Input).value
        # left as prefilled, the default applies (and says why); in a by-coder matrix, every coder
        asked = [] if typed == self.prefilled else [n for n in typed.split(",") if n.strip()]
        self.scope = coder_scope.resolve(self.store, asked, by=by)
        return compare.ComparisonQuery(
            codebook=self.query_one("#matrix-codebook", Input).value.strip() or None,
            by=by, measure=str(measure), coders=self.scope.coders)

    def run_query(self) -> None:
        try:
            matrix = compare.compare(self.store, self.query_of_inputs())
        except QualcodeError as error:
            self.notify(error.message + (f"\n{error.hint}" if error.hint else ""), title="Compare",
                        severity="error", timeout=10)
            return
        self.show_matrix(matrix)
        self._hide_passages()
        self.query_one(MatrixTable).focus()

    def show_matrix(self, matrix: compare.ComparisonMatrix) -> None:
        self.matrix = matrix
        grid = self.query_one(MatrixTable)
        place = grid.cursor_coordinate
        grid.clear(columns=True)
        grid.add_column("code", key="code")
        for j, name in enumerate(matrix.column_names):
            grid.add_column(name, key=str(j))
        digits = 0 if matrix.query.measure in compare.COUNT_MEASURES else 2
        s = matrix.stats
        for i, row in enumerate(matrix.rows):
            label = Text("  " * row.depth + row.key, style="bold")
            if not self.has_class("-narrow"):
                label.append(f"  {row.label}", style="dim")
            cells: list[Text] = [label]
            for j, value in enumerate(matrix.values[i]):
                flag = s.flag(i, j) if s is not None else ""
                marker = {"+": OVER, "-": UNDER}.get(flag, " ")
                cells.append(Text(f"{value:.{digits}f} {marker}", style=grid.flag_style(flag), justify="right"))
            grid.add_row(*cells, key=str(i))
        if place.row < grid.row_count and place.column < len(grid.columns):
            grid.cursor_coordinate = place
        if place.column == 0 and len(grid.columns) > 1:
            grid.cursor_coordinate = place._replace(column=1)
        self.query_one("#matrix-summary", Label).update(self._summary(matrix, self.scope))
        self.query_one("#matrix-legend", Label).update(self._legend(matrix, grid, short=self.has_class("-narrow")))

    @staticmethod
    def _summary(matrix: compare.ComparisonMatrix, scope: coder_scope.CoderScope | None = None) -> Text:
        q = matrix.query
        text = Text(f"{scope.note}\n" if scope is not None else "", style="italic")
        text.append(f"{matrix.codebook.name}: {q.measure} by {q.by}. ", style="bold")
        s = matrix.stats
        if s is not None:
            p = f"p = {s.p_value:.3f}" if s.p_value >= 0.001 else "p < 0.001"
            text.append(f"Chi-square({s.dof}, N = {s.n:g}) = {s.chi2:.2f}, {p}; "
                        f"Cramér's V = {s.cramers_v:.2f} (on {matrix.stats_basis}).")
            if s.fisher_p_value is not None:
                text.append(f" Fisher's exact: odds ratio {s.fisher_odds_ratio:.2f}, p = {s.fisher_p_value:.3g}.")
            for warning in s.warnings:
                text.append(f"\nNote: {warning}", style="italic")
        elif matrix.stats_note:
            text.append(matrix.stats_note, style="italic")
        if matrix.left_out:
            text.append(f"\n{matrix.left_out} codings without a value of '{q.by}' are left out.", style="dim")
        return text

    @staticmethod
    def _legend(matrix: compare.ComparisonMatrix, grid: MatrixTable, *, short: bool = False) -> Text:
        if matrix.stats is None:
            return Text("No residuals without a test.", style="dim")
        critical = matrix.stats.critical
        legend = Text()
        if short:
            legend.append(f" {OVER} ", style=grid.flag_style("+"))
            legend.append(f" residual ≥ {critical:.2f}  ")
            legend.append(f" {UNDER} ", style=grid.flag_style("-"))
            legend.append(f" ≤ −{critical:.2f} · Enter: passages")
            return legend
        legend.append(f" {OVER} more ", style=grid.flag_style("+"))
        legend.append(f" adjusted residual ≥ {critical:.2f}   ")
        legend.append(f" {UNDER} fewer ", style=grid.flag_style("-"))
        legend.append(f" ≤ −{critical:.2f}   than independence predicts · Enter lists a cell's passages")
        return legend

    # ------------------------------------------------------------------ a cell

    @on(DataTable.CellSelected, "#matrix-table")
    def _cell_chosen(self, event: DataTable.CellSelected) -> None:
        if self.matrix is None or event.cell_key.column_key.value == "code":
            self.notify("Choose a cell with a count.", severity="warning", timeout=2)
            return
        row = self.matrix.rows[int(event.cell_key.row_key.value or 0)]
        column = self.matrix.column_names[int(event.cell_key.column_key.value or 0)]
        try:
            self.passages = compare.cell_passages(self.store, self.matrix.query, row.key, column)
        except QualcodeError as error:
            self.notify(error.message, title="Passages", severity="error")
            return
        self.query_one("#matrix-cell", Label).update(
            f"{row.key} × {self.matrix.query.by}={column}: {len(self.passages)} passages "
            "(Enter shows one in context, Esc goes back to the table)")
        options = self.query_one("#matrix-passages", OptionList)
        options.clear_options()
        for i, p in enumerate(self.passages):
            label = Text(p.document_name, style="bold")
            label.append(f"  {retrieval.attribution(p.attributes, p.speaker)}  {p.coder}\n", style="dim")
            label.append(p.text)
            options.add_option(Option(label, id=str(i)))
        self.query_one("#matrix-cell", Label).display = True
        options.display = True
        if self.passages:
            options.highlighted = 0
            options.focus()

    @on(OptionList.OptionSelected, "#matrix-passages")
    def _passage_chosen(self, event: OptionList.OptionSelected) -> None:
        p = self.passages[int(event.option.id or 0)]
        hits = tuple((x.document_id, x.start, x.end) for x in self.passages)
        self.dismiss(Jump(p.document_id, p.start, p.end, hits))

    def _hide_passages(self) -> None:
        self.query_one("#matrix-cell", Label).display = False
        self.query_one("#matrix-passages", OptionList).display = False

    def action_back(self) -> None:
        if self.query_one("#matrix-passages", OptionList).display:
            self._hide_passages()
            self.query_one(MatrixTable).focus()
        else:
            self.dismiss(None)
