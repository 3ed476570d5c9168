"""Topic runs in the workbench: the stored runs, a run's topics beside the codebook, a
topic's passages, and a jump to any of them in context.

Open it from the main screen with ``TopicsScreen(store, codebook)`` (a codebook slug for
the coded share and the blind-spot flag; empty counts the codes of every codebook, and
the note says which were counted). Enter on a run lists its topics, Enter on a topic its passages (the
representative ones first), Enter on a passage returns a
:class:`~qualcode.tui.screens.search.Jump` there, with the topic's other listed passages
as hits. ``f`` fits a quick run (PCA + k-means; the vectors the cache lacks are embedded
first, with the progress bar) in a worker thread; ``l`` names the highlighted run.

Fitting, reading and labelling runs all go through :mod:`qualcode.services.topics`;
this screen only draws what they return.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, ProgressBar
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from qualcode.errors import QualcodeError
from qualcode.services import embedding_cache, retrieval
from qualcode.services import topics as service
from qualcode.storage.records import TopicRun
from qualcode.storage.store import Store
from qualcode.tui.screens.search import Jump

FIT_GROUP = "topics-fit"
PASSAGE_LIMIT = 200
TERMS_SHOWN = 6


def quick_settings(store: Store) -> service.fitting.TopicSettings:
    """The instant preview of 'qualcode topics fit --reducer pca --clusterer kmeans':
    k-means picks the number of topics by its rule of thumb."""
    return service.fitting.TopicSettings(n_topics=None, min_topic_size=5, reducer="pca", clusterer="kmeans",
                                         language=embedding_cache.project_language(store))


def error_text(error: BaseException) -> str:
    if isinstance(error, QualcodeError):
        return error.message + (f"\n{error.hint}" if error.hint else "")
    return f"{type(error).__name__}: {error}"


def run_label(run: TopicRun) -> Text:
    p = run.parameters
    text = Text(f"#{run.id} ", style="bold")
    text.append(run.label or "(no label)", style="bold" if run.label else "dim italic")
    text.append(f"  {run.topic_count} topics · {run.segments or p.get('segments', '?')} {run.unit}s · "
                f"{p.get('reducer', '?')} + {p.get('clusterer', '?')} · {p.get('embedder', '?')} · "
                f"{run.created_at:%Y-%m-%d %H:%M}", style="dim")
    return text


class TopicsScreen(ModalScreen[Jump | None]):
    DEFAULT_CSS = """
    TopicsScreen #topics-runs { height: auto; max-height: 8; }
    TopicsScreen #topics-table { height: 1fr; min-height: 5; }
    TopicsScreen #topics-passages { height: 1fr; min-height: 5; }
    TopicsScreen #topics-run, TopicsScreen #topics-topic { text-style: bold; }
    TopicsScreen Label { width: 100%; }
    """
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("f", "fit", "Fit quick run"),
        Binding("l", "label", "Label run"),
    ]

    def __init__(self, store: Store, codebook: str = "") -> None:
        super().__init__()
        self.store = store
        self.codebook = codebook
        self.runs: list[TopicRun] = []
        self.view: service.RunView | None = None
        self.coding: dict[int, service.TopicCoding] = {}
        self.passages: list[service.TopicPassage] = []
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Topic runs", classes="dialog-title")
            yield Label("", id="topics-summary", classes="dialog-hint")
            yield OptionList(id="topics-runs")
            yield Input(placeholder="label for the run (empty clears it)", id="topics-label")
            yield ProgressBar(total=1, show_eta=False, id="topics-progress")
            yield Label("", id="topics-run")
            yield DataTable(id="topics-table", cursor_type="row", zebra_stripes=True)
            yield Label("", id="topics-topic")
            yield OptionList(id="topics-passages")

    def on_mount(self) -> None:
        for selector in ("#topics-label", "#topics-progress", "#topics-run", "#topics-table",
                         "#topics-topic", "#topics-passages"):
            self.query_one(selector).display = False
        self.load_runs()
        self.query_one("#topics-runs", OptionList).focus()

    def on_unmount(self) -> None:
        self._cancel.set()

    # ------------------------------------------------------------------ runs

    def load_runs(self, select: int | None = None) -> None:
        try:
            self.runs = service.list_runs(self.store)
        except QualcodeError as error:
            self.notify(error_text(error), title="Topics", severity="error", timeout=10)
            return
        options = self.query_one("#topics-runs", OptionList)
        options.clear_options()
        for run in self.runs:
            options.add_option(Option(run_label(run), id=str(run.id)))
        if self.runs:
            ids = [r.id for r in self.runs]
            options.highlighted = ids.index(select) if select in ids else 0
            hint = "Enter lists a run's topics · f fits a quick run (PCA + k-means) · l labels the run · Esc closes"
        else:
            hint = "No topic runs yet: press f for a quick one, or use 'qualcode topics fit'."
        self.query_one("#topics-summary", Label).update(hint)

    def highlighted_run(self) -> TopicRun | None:
        index = self.query_one("#topics-runs", OptionList).highlighted
        return self.runs[index] if index is not None and index < len(self.runs) else None

    @on(OptionList.OptionSelected, "#topics-runs")
    def _run_chosen(self, event: OptionList.OptionSelected) -> None:
        self.show_run(int(event.option.id or 0))

    def show_run(self, run_id: int) -> None:
        try:
            view = service.run_topics(self.store, run_id)
        except QualcodeError as error:
            self.notify(error_text(error), title="Topics", severity="error", timeout=10)
            return
        self.view = view
        note = ""
        try:
            # every codebook unless one was chosen: the note names what was counted
            codes = service.topics_vs_codes(self.store, run_id, codebook=self.codebook or None)
            self.coding = {t.topic.number: t for t in codes.topics}
            note = (f"coded share against {codes.codebook}; ⚑ blind spot: more than "
                    f"{codes.threshold:.0%} of the passages uncoded")
        except QualcodeError as error:
            self.coding = {}
            note = f"no coded share ({error.message})"
        table = self.query_one("#topics-table", DataTable)
        table.clear(columns=True)
        table.add_column("topic", key="topic")
        table.add_column("size", key="size")
        table.add_column("coded", key="coded")
        table.add_column("", key="flag")
        table.add_column("top terms", key="terms")
        for topic in view.topics:
            coding = self.coding.get(topic.number)
            coded = Text(f"{1 - coding.uncoded_share:.0%}", justify="right") if coding else Text("–")
            blind = coding is not None and topic.number != -1 and coding.uncoded_share > service.BLIND_SPOT
            terms = ", ".join(t for t, _ in topic.terms[:TERMS_SHOWN])
            name = Text(str(topic.number), style="bold")
            if topic.label:
                name.append(f" {topic.label}")
            elif topic.number == -1:
                name.append(" outliers", style="dim")
            table.add_row(name, Text(str(topic.size), justify="right"), coded,
                          Text("⚑ blind spot", style="bold") if blind else Text(""), terms,
                          key=str(topic.number))
        self.query_one("#topics-run", Label).update(
            Text.assemble(run_label(view.run), "\n", (f"Enter lists a topic's passages; {note}.", "dim")))
        self.query_one("#topics-run", Label).display = True
        table.display = True
        self._hide_passages()
        table.focus()

    # ------------------------------------------------------------------ a topic

    @on(DataTable.RowSelected, "#topics-table")
    def _topic_chosen(self, event: DataTable.RowSelected) -> None:
        if self.view is None:
            return
        number = int(event.row_key.value or 0)
        try:
            self.passages = service.topic_passages(self.store, self.view.run.id, number, limit=PASSAGE_LIMIT)
        except QualcodeError as error:
            self.notify(error_text(error), title="Topics", severity="error", timeout=10)
            return
        topic = next(t for t in self.view.topics if t.number == number)
        shown = len(self.passages)
        self.query_one("#topics-topic", Label).update(
            f"Topic {number} ({topic.name()}): {shown} of {topic.size} passages, ★ representative first "
            "(Enter shows one in context, Esc goes back to the topics)")
        options = self.query_one("#topics-passages", OptionList)
        options.clear_options()
        for i, p in enumerate(self.passages):
            label = Text("★ " if p.representative else "  ", style="bold")
            label.append(p.document_name, style="bold")
            label.append(f"  {retrieval.attribution(p.attributes, p.speaker)}\n", style="dim")
            label.append(p.text)
            options.add_option(Option(label, id=str(i)))
        self.query_one("#topics-topic", Label).display = True
        options.display = True
        if self.passages:
            options.highlighted = 0
            options.focus()

    @on(OptionList.OptionSelected, "#topics-passages")
    def _passage_chosen(self, event: OptionList.OptionSelected) -> None:
        p = self.passages[int(event.option.id or 0)]
        hits = tuple((x.document_id, x.start, x.end) for x in self.passages)
        self.dismiss(Jump(p.document_id, p.start, p.end, hits))

    def _hide_passages(self) -> None:
        self.query_one("#topics-topic", Label).display = False
        self.query_one("#topics-passages", OptionList).display = False

    # ------------------------------------------------------------------ fitting

    def action_fit(self) -> None:
        if any(w.group == FIT_GROUP and not w.is_finished for w in self.workers):
            self.notify("A run is being fitted already.", title="Topics", severity="warning", timeout=3)
            return
        bar = self.query_one("#topics-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#topics-summary", Label).update("Fitting a quick run (PCA + k-means)…")
        self.fit(self._cancel)

    @work(thread=True, exit_on_error=False, group=FIT_GROUP, exclusive=True)
    def fit(self, cancel: threading.Event) -> service.RunView:
        """Even a quick fit reads every cached vector: off the UI thread."""

        def progress(done: int, total: int, what: str) -> None:
            if not cancel.is_set():
                self.app.call_from_thread(self._progress, done, total, what)

        return service.fit_topics(self.store, quick_settings(self.store), label="quick",
                                  progress=progress, cancel=cancel)

    def _progress(self, done: int, total: int, what: str) -> None:
        if self.is_attached:
            self.query_one("#topics-progress", ProgressBar).update(total=total or None, progress=done)
            self.query_one("#topics-summary", Label).update(f"Fitting a quick run: {what}…")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        event.stop()
        if event.worker.group != FIT_GROUP or event.worker.is_cancelled or not self.is_attached:
            return
        if event.state == WorkerState.ERROR:
            self.query_one("#topics-progress", ProgressBar).display = False
            self.load_runs()
            self.notify(error_text(event.worker.error or RuntimeError("unknown")), title="Topics",
                        severity="error", timeout=10)
        elif event.state == WorkerState.SUCCESS and isinstance(event.worker.result, service.RunView):
            self.query_one("#topics-progress", ProgressBar).display = False
            run = event.worker.result.run
            self.load_runs(select=run.id)
            self.notify(f"Run #{run.id}: {run.topic_count} topics.", title="Topics", timeout=3)
            self.show_run(run.id)

    # ------------------------------------------------------------------ labels

    def action_label(self) -> None:
        run = self.highlighted_run()
        if run is None:
            self.notify("No run to label yet.", title="Topics", severity="warning", timeout=3)
            return
        field = self.query_one("#topics-label", Input)
        field.value = run.label or ""
        field.border_title = f"Label for run #{run.id}"
        field.display = True
        field.focus()

    @on(Input.Submitted, "#topics-label")
    def _label_submitted(self, event: Input.Submitted) -> None:
        run = self.highlighted_run()
        event.input.display = False
        if run is None:
            return
        try:
            service.label_run(self.store, run.id, event.value)
        except QualcodeError as error:
            self.notify(error_text(error), title="Topics", severity="error", timeout=10)
            return
        self.load_runs(select=run.id)
        if self.view is not None and self.view.run.id == run.id:
            self.show_run(run.id)
        self.query_one("#topics-runs", OptionList).focus()

    # ------------------------------------------------------------------ closing

    def action_back(self) -> None:
        field = self.query_one("#topics-label", Input)
        if field.display:
            field.display = False
            self.query_one("#topics-runs", OptionList).focus()
        elif self.query_one("#topics-passages", OptionList).display:
            self._hide_passages()
            self.query_one("#topics-table", DataTable).focus()
        elif self.query_one("#topics-table", DataTable).display:
            self.query_one("#topics-table", DataTable).display = False
            self.query_one("#topics-run", Label).display = False
            self.view = None
            self.query_one("#topics-runs", OptionList).focus()
        else:
            self.dismiss(None)
