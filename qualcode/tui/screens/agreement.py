"""Inter-coder agreement in the workbench: the statistics table, then the disagreements
to settle one by one into the consensus coder.

Open it from the main screen with ``AgreementScreen(store, coder)``, where ``coder`` is
the person working (recorded as the one who settled each disagreement); optional
``coders="anna,bo"``, ``unit="segment"``, ``by="code"``, ``convention``, ``overlap``
("union" or "longer": what the overlap unit divides the shared text by) and
``weight_level`` (the level of measurement of coding weights) fill the inputs, as
``qualcode agreement``'s options of the same names, and compute at once. It returns a
:class:`~qualcode.tui.screens.search.Jump` when the user asks to see a disagreement in
context (key e), else None. Settling writes consensus codings, so the
caller should reload the open document's codings when the screen closes.

The statistics run in a worker thread in two passes: the point estimates first (they
show within a second on the demo project), then again with bootstrapped intervals, which
replace them. Every figure, decision and event-log entry comes from
:mod:`qualcode.services.agreement`.

The table shows the most-used figures (``f`` toggles the rest: expected agreement,
D_e, AC1 ...), and drops the intervals when the screen is narrower than 100 columns.
The screen remembers, per project, what it showed (coders, unit, rows, convention,
overlap rule, weight level, the report, the disagreement list and the highlighted one),
so after ``e`` (show in context) or Esc it opens again as it was.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import asdict, dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from qualcode.core.agreement import AgreementReport, Disagreement
from qualcode.errors import QualcodeError
from qualcode.exporters.agreement_report import (
    row_style,
    statistic_names,
    table,
    title,
    undefined_reasons,
)
from qualcode.services import agreement
from qualcode.storage.store import Store
from qualcode.tui.screens.search import Jump

UNITS = (("unit: segment (sentence)", "segment"), ("unit: character (NVivo)", "character"),
         ("unit: overlap (MAXQDA)", "overlap"), ("unit: unitized (u-alphas)", "unitized"),
         ("unit: gamma (Mathet)", "gamma"))
BY = (("a row per code", "code"), ("a row per document", "document"))
CONVENTIONS = (("rules: qualcode", "qualcode"), ("rules: NVivo", "nvivo"), ("rules: MAXQDA", "maxqda"),
               ("rules: ATLAS.ti", "atlasti"))
# --overlap: the overlap unit's share of shared text, over the union of two segments or the longer
OVERLAPS = (("overlap ÷ union", "union"), ("overlap ÷ longer", "longer"))
# --weight-level: the level of measurement of coding weights for alpha
WEIGHT_LEVELS = (("weights: interval", "interval"), ("weights: ordinal", "ordinal"),
                 ("weights: ratio", "ratio"), ("weights: nominal", "nominal"))
COMPACT_BELOW = 100  # columns: narrower screens show figures without their intervals
SHORT_HEADERS = {  # the same figures under short names, for narrow screens
    "Percent agreement": "Agree", "Cohen's kappa": "Kappa", "Fleiss' kappa": "Fleiss k",
    "Krippendorff's alpha (nominal)": "Alpha", "Agreement over coded characters": "Coded agr.",
    "Kappa over characters": "Char kappa", "Segment overlap agreement": "Overlap",
    "Unitized alpha (Krippendorff 2004)": "alpha_U", "cu-alpha (2016)": "cu-alpha",
    "Mathet's gamma": "Gamma", "Krippendorff's alpha on weights (interval)": "Weights a",
    **{f"Krippendorff's alpha on weights ({level})": "Weights a" for level in ("ordinal", "ratio", "nominal")}}


@dataclass(frozen=True)
class Choice:
    """What the selectors at the top ask for: the options of ``agreement_report``."""

    unit: str = "segment"
    by: str = "code"
    convention: str = "qualcode"
    overlap: str = "union"
    weight_level: str = "interval"

    def describe(self) -> str:
        overlap = f", over the {'longer segment' if self.overlap == 'longer' else 'union'}" \
            if self.unit == "overlap" else ""
        return f"{self.unit}{overlap}, by {self.by}, {self.convention} rules, {self.weight_level} weights"


@dataclass
class Remembered:
    """What the screen showed when it closed, to open again as it was."""

    coders: str = ""
    choice: Choice = field(default_factory=Choice)
    view: str = "agreement-report"
    all_figures: bool = False
    report: AgreementReport | None = None
    highlighted: int | None = None
    disagreements: list[Disagreement] = field(default_factory=list)


# per open project; forgotten with the store
_MEMORY: weakref.WeakKeyDictionary[Store, Remembered] = weakref.WeakKeyDictionary()


def remembered(store: Store) -> Remembered | None:
    return _MEMORY.get(store)

# key of the decision -> (service decision, which coder it accepts: 0 first, 1 second)
DECISIONS: dict[str, tuple[str, int | None]] = {
    "first": ("accept", 0), "second": ("accept", 1), "both": ("both", None), "neither": ("neither", None)}


def split_coders(text: str) -> list[str] | None:
    """'anna, bo' -> ['anna', 'bo']; empty means 'every coder with codings'."""
    names = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    return names or None


def _error_text(error: BaseException) -> str:
    if isinstance(error, QualcodeError):
        return error.message + (f"\n{error.hint}" if error.hint else "")
    return f"{type(error).__name__}: {error}"


class DisagreementList(OptionList):
    """The disagreements; its keys settle the highlighted one."""

    BINDINGS = [
        Binding("a", "decide('first')", "Accept first coder"),
        Binding("b", "decide('second')", "Accept second coder"),
        Binding("o", "decide('both')", "Keep both"),
        Binding("n", "decide('neither')", "Keep neither"),
        Binding("e", "decide('show')", "Show in context"),
    ]

    class Decided(Message):
        """The user chose what to do with the highlighted disagreement."""

        def __init__(self, index: int, decision: str) -> None:
            super().__init__()
            self.index = index
            self.decision = decision

    def action_decide(self, decision: str) -> None:
        if self.highlighted is not None:
            self.post_message(self.Decided(self.highlighted, decision))


class AgreementScreen(ModalScreen[Jump | None]):
    DEFAULT_CSS = """
    AgreementScreen .fields Select { width: 1fr; }
    AgreementScreen .rules { height: 1; margin: 0 1 0 1; }
    AgreementScreen .rules Select { width: 1fr; margin-right: 2; }
    AgreementScreen #agreement-views, AgreementScreen #agreement-report, AgreementScreen #agreement-review {
        height: 1fr;
    }
    AgreementScreen #agreement-table, AgreementScreen #disagreements { height: 1fr; min-height: 5; }
    AgreementScreen #agreement-notes, AgreementScreen #disagreement-detail { max-height: 8; }
    AgreementScreen Label { width: 100%; }
    """
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("d", "review", "Disagreements"),
        Binding("r", "report", "Statistics", show=False),
        Binding("f", "figures", "More figures"),
    ]

    def __init__(self, store: Store, coder: str, *, coders: str = "", unit: str = "segment",
                 by: str = "code", convention: str = "qualcode", overlap: str = "union",
                 weight_level: str = "interval") -> None:
        super().__init__()
        self.store = store
        self.coder = coder
        memory = _MEMORY.get(store) if not coders else None
        self.restored = memory
        choice = Choice(unit, by, convention, overlap, weight_level)
        if memory is not None:
            coders, choice = memory.coders, memory.choice
        self.initial = (coders, choice)
        self.report: AgreementReport | None = None  # with its intervals: the finished report
        self.first_figures: AgreementReport | None = None  # the point estimates, shown first
        self.all_figures = memory.all_figures if memory else False
        self.disagreements: list[Disagreement] = []
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        coders, choice = self.initial
        with Vertical(classes="dialog wide"):
            yield Label("Inter-coder agreement", classes="dialog-title")
            with Horizontal(classes="fields"):
                yield Input(coders, placeholder="coders, e.g. anna,bo (empty: all)", id="agreement-coders")
                yield Select(UNITS, value=choice.unit, allow_blank=False, id="agreement-unit")
                yield Select(BY, value=choice.by, allow_blank=False, id="agreement-by")
            with Horizontal(classes="rules"):  # one line: the table keeps its rows at 24 lines
                yield Select(CONVENTIONS, value=choice.convention, allow_blank=False, compact=True,
                             id="agreement-convention", tooltip="Whose documented rules to follow (--convention)")
                yield Select(OVERLAPS, value=choice.overlap, allow_blank=False, compact=True,
                             id="agreement-overlap", tooltip="Unit overlap: shared text over the union of "
                             "two segments or over the longer one (--overlap)")
                yield Select(WEIGHT_LEVELS, value=choice.weight_level, allow_blank=False, compact=True,
                             id="agreement-weight-level", tooltip="Level of measurement of coding weights "
                             "for alpha (--weight-level)")
            yield Label("Enter computes · d lists the disagreements · f more figures · Esc closes",
                        id="agreement-status", classes="dialog-hint")
            yield ProgressBar(total=3, show_eta=False, id="agreement-progress")
            with ContentSwitcher(initial="agreement-report", id="agreement-views"):
                with Vertical(id="agreement-report"):
                    yield DataTable(id="agreement-table", zebra_stripes=True, cursor_type="row")
                    yield Label("", id="agreement-unit-text")
                    yield Label("", id="agreement-notes", classes="dialog-hint")
                with Vertical(id="agreement-review"):
                    yield Label("", id="review-keys", classes="dialog-hint")
                    yield DisagreementList(id="disagreements")
                    yield Label("", id="disagreement-detail")

    def on_mount(self) -> None:
        self.query_one("#agreement-progress", ProgressBar).display = False
        memory = self.restored
        if memory is not None and memory.report is not None:
            self.show_report(memory.report)
            if memory.view == "agreement-review":
                self.query_one(ContentSwitcher).current = "agreement-review"
                self.load_disagreements(keep=memory.highlighted, move_on=False)
        elif self.initial[0]:
            self.run_report()
        else:
            self.query_one("#agreement-coders", Input).focus()

    def on_unmount(self) -> None:
        self._cancel.set()  # a computation still running stops at its next check

    def _remember(self) -> None:
        """Keep what is on screen for the next time the screen opens on this project."""
        highlighted = self.query_one(DisagreementList).highlighted if self.disagreements else None
        _MEMORY[self.store] = Remembered(
            coders=self.query_one("#agreement-coders", Input).value, choice=self.choice,
            view=str(self.query_one(ContentSwitcher).current), all_figures=self.all_figures,
            report=self.report or self.first_figures, highlighted=highlighted,
            disagreements=list(self.disagreements))

    # ------------------------------------------------------------------ the report

    @property
    def coders(self) -> list[str] | None:
        return split_coders(self.query_one("#agreement-coders", Input).value)

    @property
    def choice(self) -> Choice:
        """What the selectors show now."""
        def value(name: str) -> str:
            return str(self.query_one(f"#agreement-{name}", Select).value)

        return Choice(value("unit"), value("by"), value("convention"), value("overlap"), value("weight-level"))

    @on(Input.Submitted, "#agreement-coders")
    def _submitted(self) -> None:
        if self.query_one(ContentSwitcher).current == "agreement-review":
            self.load_disagreements()
        else:
            self.run_report()

    def run_report(self) -> None:
        choice = self.choice
        self._cancel.set()
        self._cancel = threading.Event()
        self.report = self.first_figures = None
        bar = self.query_one("#agreement-progress", ProgressBar)
        bar.update(total=6, progress=0)
        bar.display = True
        self._status(f"Computing agreement ({choice.describe()})…")
        self.compute(self.coders, choice, self._cancel)

    @work(thread=True, exit_on_error=False, group="agreement", exclusive=True)
    def compute(self, coders: list[str] | None, choice: Choice, cancel: threading.Event) -> AgreementReport:
        """Point estimates first (posted at once), then the bootstrapped intervals: off the UI thread."""

        def progress_from(offset: int):  # type: ignore[no-untyped-def]
            def progress(done: int, total: int, what: str) -> None:
                if not cancel.is_set():
                    self.app.call_from_thread(self._progress, offset + done, 2 * total, what)
            return progress

        options = asdict(choice)
        first = agreement.agreement_report(self.store, coders=coders, resamples=0, progress=progress_from(0),
                                           cancel=cancel, **options)
        if cancel.is_set():
            return first
        self.app.call_from_thread(self._first, first, cancel)
        if choice.unit not in ("segment", "unitized"):  # only these bootstrap: the first pass is the report
            return first
        return agreement.agreement_report(self.store, coders=coders, progress=progress_from(3), cancel=cancel,
                                          **options)

    def _first(self, report: AgreementReport, cancel: threading.Event) -> None:
        if self.is_attached and not cancel.is_set():
            self.first_figures = report
            self.show_report(report, final=False)

    def _progress(self, done: int, total: int, what: str) -> None:
        if self.is_attached:
            self.query_one("#agreement-progress", ProgressBar).update(total=total, progress=done)
            if self.first_figures is None:
                self._status(f"Agreement: {what}…")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        event.stop()
        if event.worker.group != "agreement" or event.worker.is_cancelled:
            return
        if event.state == WorkerState.ERROR:
            self.query_one("#agreement-progress", ProgressBar).display = False
            self._status("No statistics: see the message.")
            self.notify(_error_text(event.worker.error or RuntimeError("unknown")), title="Agreement",
                        severity="error", timeout=10)
        elif event.state == WorkerState.SUCCESS and isinstance(event.worker.result, AgreementReport):
            self.query_one("#agreement-progress", ProgressBar).display = False
            self.show_report(event.worker.result)

    def show_report(self, report: AgreementReport, *, final: bool = True) -> None:
        if final:
            self.report = report
        self._fill_table(report)
        sample = f", sample {report.sample}" if report.sample else ""
        self.query_one("#agreement-unit-text", Label).update(
            Text.assemble(("Unit: ", "bold"), f"{report.unit}{sample}, convention {report.convention} — "
                          f"{report.unit_description}"))
        notes = [*report.notes, *undefined_reasons(report)]
        self.query_one("#agreement-notes", Label).update(Text("\n".join(f"· {n}" for n in notes)))
        more = len(statistic_names(report, "more"))
        toggle = f"f {'fewer' if self.all_figures else f'{more} more'} figures · " if more else ""
        waiting = "" if final else "intervals are being computed… · "
        documents = f"{len(report.documents)} document{'s' if len(report.documents) != 1 else ''}"
        self._status(f"{title(report)}: {', '.join(report.coders)} on {documents}, "
                     f"by {report.by}. {waiting}{toggle}d lists the disagreements.")
        if self.query_one(ContentSwitcher).current == "agreement-report":
            self.query_one("#agreement-table", DataTable).focus()

    def _fill_table(self, report: AgreementReport) -> None:
        header, rows = table(report, "all" if self.all_figures else "main")
        compact = self.app.size.width < COMPACT_BELOW
        grid = self.query_one("#agreement-table", DataTable)
        cursor = grid.cursor_row
        grid.clear(columns=True)
        shown = [[cell.split(" [")[0] if compact and i else cell for i, cell in enumerate(cells)] for cells in rows]
        labels = [SHORT_HEADERS.get(column, column) if compact else column for column in header]
        for i, label in enumerate(labels):
            # Widths given, not measured later: the table reads the same however soon it is drawn.
            width = max([len(label), *(len(cells[i]) for cells in shown if i < len(cells))])
            grid.add_column(label, key=f"c{i}", width=width)
        for cells, texts in zip(rows, shown, strict=True):
            style = row_style(cells[0])
            grid.add_row(*(Text(cell, style=style, justify="left" if i == 0 else "right")
                           for i, cell in enumerate(texts)))
        if rows:
            grid.move_cursor(row=min(cursor, len(rows) - 1))

    def action_figures(self) -> None:
        """Show every figure, or only the most used ones again."""
        self.all_figures = not self.all_figures
        shown = self.report or self.first_figures
        if shown is not None:
            self.show_report(shown, final=shown is self.report)

    # ------------------------------------------------------------- disagreements

    def action_review(self) -> None:
        self.query_one(ContentSwitcher).current = "agreement-review"
        self.load_disagreements()

    def action_report(self) -> None:
        self.query_one(ContentSwitcher).current = "agreement-report"
        self.query_one("#agreement-table", DataTable).focus()

    def action_back(self) -> None:
        if self.query_one(ContentSwitcher).current == "agreement-review":
            self.action_report()
        else:
            self._remember()
            self.dismiss(None)

    def load_disagreements(self, keep: int | None = None, *, move_on: bool = True) -> None:
        try:
            found = agreement.disagreements(self.store, coders=self.coders)
        except QualcodeError as error:
            self.notify(_error_text(error), title="Disagreements", severity="error", timeout=10)
            return
        self.disagreements = found
        options = self.query_one(DisagreementList)
        options.clear_options()
        for i, d in enumerate(found):
            options.add_option(Option(self._label(d), id=str(i)))
        settled = sum(1 for d in found if d.settled)
        self._status(f"{len(found)} disagreements, {settled} settled. Settled decisions go to the "
                     f"'{agreement.CONSENSUS}' coder.")
        first, second = self._pair(found[0]) if found else ("first coder", "second coder")
        self.query_one("#review-keys", Label).update(
            f"a accept {first} · b accept {second} · o both · n neither · e show in context · "
            "r statistics · Esc back")
        if found:
            if keep is None:
                options.highlighted = 0
            else:
                options.highlighted = self._next_open(keep) if move_on else min(keep, len(found) - 1)
            options.focus()
        else:
            self.query_one("#disagreement-detail", Label).update("No disagreements: the coders agree everywhere.")

    def _next_open(self, start: int) -> int:
        """After settling one, go on to the next still open (or stay at the end)."""
        count = len(self.disagreements)
        for i in list(range(start, count)) + list(range(0, start)):
            if not self.disagreements[i].settled:
                return i
        return min(start, count - 1)

    @staticmethod
    def _pair(d: Disagreement) -> tuple[str, str]:
        return (d.coders[0], d.coders[1]) if len(d.coders) > 1 else (d.coders[0], d.coders[0])

    @staticmethod
    def _label(d: Disagreement) -> Text:
        label = Text(d.document, style="bold")
        label.append(f"  {d.code_key}  {d.start}-{d.end}", style="dim")
        if d.settled:
            label.append(f"  settled: {d.settled}", style="italic")
        label.append("\n")
        label.append(d.text if len(d.text) <= 240 else d.text[:237] + "…")
        label.append("\n")
        coded = {s.coder for s in d.spans}
        who = [f"{s.coder} {s.start}-{s.end}" for s in d.spans]
        who += [f"{c}: none" for c in d.coders if c not in coded]
        label.append(" · ".join(who), style="dim")
        return label

    @on(OptionList.OptionHighlighted, "#disagreements")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        d = self.disagreements[int(event.option.id or 0)]
        detail = Text()
        for coder in d.coders:
            spans = [s for s in d.spans if s.coder == coder]
            detail.append(f"{coder}: ", style="bold")
            if not spans:
                detail.append("did not apply the code here\n", style="italic")
            for s in spans:
                detail.append(d.text[max(s.start - d.start, 0):s.end - d.start] + "\n")
        self.query_one("#disagreement-detail", Label).update(detail)

    @on(OptionList.OptionSelected, "#disagreements")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.show_in_context(int(event.option.id or 0))

    @on(DisagreementList.Decided)
    def _decided(self, event: DisagreementList.Decided) -> None:
        if event.decision == "show":
            self.show_in_context(event.index)
        else:
            self.settle(event.index, event.decision)

    def show_in_context(self, index: int) -> None:
        d = self.disagreements[index]
        hits = tuple((x.document_id, x.start, x.end) for x in self.disagreements)
        self._remember()
        self.dismiss(Jump(d.document_id, d.start, d.end, hits))

    def settle(self, index: int, choice: str) -> None:
        d = self.disagreements[index]
        decision, which = DECISIONS[choice]
        accepted = self._pair(d)[which] if which is not None else None
        try:
            added = agreement.adjudicate(self.store, d.key, decision, self.coder, coder=accepted)
        except QualcodeError as error:
            self.notify(_error_text(error), title="Not settled", severity="error", timeout=10)
            return
        spans = ", ".join(f"{c.start}-{c.end}" for c in added) or "no coding"
        what = f"accepted {accepted}" if accepted else decision
        self.notify(f"{d.code_key} in {d.document}: {what}; {agreement.CONSENSUS} now has {spans}.", timeout=3)
        self.refresh_settled(index)

    def refresh_settled(self, index: int) -> None:
        """Redraw only the entries whose decision changed; rebuild if the list itself did."""
        try:
            found = agreement.disagreements(self.store, coders=self.coders)
        except QualcodeError as error:
            self.notify(_error_text(error), title="Disagreements", severity="error", timeout=10)
            return
        if [d.key for d in found] != [d.key for d in self.disagreements]:
            self.load_disagreements(keep=index)
            return
        options = self.query_one(DisagreementList)
        for i, (old, new) in enumerate(zip(self.disagreements, found, strict=True)):
            if old.settled != new.settled:
                options.replace_option_prompt_at_index(i, self._label(new))
        self.disagreements = found
        options.highlighted = self._next_open(index)
        settled = sum(1 for d in found if d.settled)
        self._status(f"{len(found)} disagreements, {settled} settled.")

    def _status(self, text: str) -> None:
        self.query_one("#agreement-status", Label).update(text)
