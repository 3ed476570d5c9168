"""Writing results to a file from the workbench: quotes, a comparison matrix, its figure,
a methods summary, or the whole project as REFI-QDA (.qdpx).

Open it from the main screen with ``ExportDialog(store)``; optional ``codebook`` (slug,
e.g. the active one) and ``by`` (the matrix columns, default ``level``) fill the inputs.
It returns nothing: every write is reported with a notification, and the dialog stays
open for the next export until Esc.

The file name's ending picks the format; an existing file is replaced only with
"Overwrite" ticked. Writing goes through :mod:`qualcode.services.export` and
:mod:`qualcode.services.exchange` (atomic, in a worker thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select
from textual.worker import Worker, WorkerState

from qualcode.errors import ExportError, QualcodeError, file_system_refusal
from qualcode.services import coder_scope, compare, exchange, export, files
from qualcode.storage.store import Store
from qualcode.tui.screens.retrieval import parse_filters

# what -> (label, the endings it writes, the file name offered)
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "quotes": ("Quotes (coded passages)", export.QUOTE_FORMATS, "quotes.docx"),
    "matrix": ("Comparison matrix", export.MATRIX_FORMATS, "matrix.xlsx"),
    "figure": ("Residual heatmap", ("png", "svg"), "figure.png"),
    "methods": ("Methods summary", ("md",), "methods.md"),
    "qdpx": ("Whole project (REFI-QDA)", ("qdpx",), "project.qdpx"),
}


@dataclass(frozen=True)
class ExportRequest:
    """What the inputs ask for, read once on the UI thread."""

    what: str
    path: Path
    codebook: str | None
    codes: list[str]
    attributes: dict[str, list[str]]
    by: str
    overwrite: bool


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def write(store: Store, request: ExportRequest) -> str:
    """One service call per kind; returns what was written, for the notification."""
    r = request
    if r.what == "quotes":
        done = export.export_quotes(store, r.path, codebook=r.codebook, codes=r.codes or None,
                                    attributes=r.attributes, overwrite=r.overwrite)
        return f"{done.items} passages"
    if r.what == "methods":
        done = export.export_methods(store, r.path, by=_split(r.by) or None, overwrite=r.overwrite)
        return f"the methods summary of {done.items} documents"
    if r.what == "qdpx":
        snapshot = exchange.export_qdpx(store, r.path, overwrite=r.overwrite)
        return f"{len(snapshot.documents)} documents and {len(snapshot.codings)} codings"
    if not r.codebook:
        raise ExportError(f"A {r.what} needs a codebook.", "Type its slug, e.g. loose-coupling.")
    scope = coder_scope.resolve(store, None, by=r.by or "level")  # one coder, as the matrix screen
    query = compare.ComparisonQuery(codebook=r.codebook, by=r.by or "level", codes=tuple(r.codes),
                                    coders=scope.coders, attributes=compare.ComparisonQuery.attrs(r.attributes))
    if r.what == "matrix":
        done = export.export_matrix(store, r.path, query, overwrite=r.overwrite)
        return f"a matrix of {done.items} codes ({scope.who})"
    done = export.export_figure(store, r.path, query, overwrite=r.overwrite)
    return f"a heatmap of {done.items} codes ({scope.who})"


class ExportDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    ExportDialog .dialog { width: 90; }
    ExportDialog #export-what { width: 1fr; }
    ExportDialog .fields Checkbox { width: auto; }
    ExportDialog #export-buttons { height: 3; margin-top: 1; }
    ExportDialog Label { width: 100%; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "write", "Write", show=False)]

    def __init__(self, store: Store, *, codebook: str = "", by: str = "level") -> None:
        super().__init__()
        self.store = store
        self.initial = (codebook, by)

    def compose(self) -> ComposeResult:
        codebook, by = self.initial
        with Vertical(classes="dialog"):
            yield Label("Export", classes="dialog-title")
            yield Select([(label, key) for key, (label, _, _) in KINDS.items()], value="quotes",
                         allow_blank=False, id="export-what")
            yield Input(KINDS["quotes"][2], placeholder="file name: its ending picks the format", id="export-path")
            yield Label("", id="export-formats", classes="dialog-hint")
            with Horizontal(classes="fields"):
                yield Input(codebook, placeholder="codebook slug", id="export-codebook")
                yield Input(placeholder="codes: lc.tight, lc.loose", id="export-code")
            with Horizontal(classes="fields"):
                yield Input(placeholder="filters: level=school role=rektor", id="export-attr")
                yield Input(by, placeholder="by (matrix columns): level", id="export-by")
            with Horizontal(id="export-buttons"):
                yield Checkbox("Overwrite an existing file", id="export-overwrite")
                yield Button("Write", variant="primary", id="export-write")
            yield Label("Enter or Ctrl+S writes · Esc closes", id="export-status", classes="dialog-hint")

    def on_mount(self) -> None:
        self._formats("quotes")
        self.query_one("#export-path", Input).focus()

    @on(Select.Changed, "#export-what")
    def _what_changed(self, event: Select.Changed) -> None:
        what = str(event.value)
        path = self.query_one("#export-path", Input)
        offered = {name for _, _, name in KINDS.values()}
        if not path.value.strip() or path.value.strip() in offered:
            path.value = KINDS[what][2]  # the user's own name stays
        self._formats(what)

    def _formats(self, what: str) -> None:
        endings = ", ".join(f".{e}" for e in KINDS[what][1])
        needs = {"quotes": "codebook, codes and filters narrow it", "matrix": "needs a codebook and by",
                 "figure": "needs a codebook and by", "methods": "by: attributes to break the corpus down by",
                 "qdpx": "the whole project; filters do not apply"}[what]
        self.query_one("#export-formats", Label).update(f"Writes {endings} · {needs}")

    def request(self) -> ExportRequest:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            raise ExportError("No file name.", "Type where to write, e.g. quotes.docx.")
        return ExportRequest(
            what=str(self.query_one("#export-what", Select).value),
            path=Path(raw).expanduser().absolute(),
            codebook=self.query_one("#export-codebook", Input).value.strip() or None,
            codes=_split(self.query_one("#export-code", Input).value),
            attributes=parse_filters(self.query_one("#export-attr", Input).value),
            by=self.query_one("#export-by", Input).value.strip(),
            overwrite=self.query_one("#export-overwrite", Checkbox).value)

    @on(Input.Submitted)
    @on(Button.Pressed, "#export-write")
    def action_write(self) -> None:
        try:
            request = self.request()
            # a folder, a missing folder, a name the file system refuses: said before writing
            files.check_target(request.path, overwrite=request.overwrite)
        except QualcodeError as error:
            self._failed(error)
            return
        self.query_one("#export-status", Label).update(f"Writing {request.path}…")
        self.run_export(request)

    @work(thread=True, exit_on_error=False, group="export", exclusive=True)
    def run_export(self, request: ExportRequest) -> tuple[ExportRequest, str]:
        """Figures and project files take a moment: off the UI thread."""
        return request, write(self.store, request)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        event.stop()
        if event.worker.group != "export":
            return
        if event.state == WorkerState.ERROR:
            self._failed(event.worker.error or RuntimeError("unknown"))
        elif event.state == WorkerState.SUCCESS and event.worker.result is not None:
            request, what = event.worker.result
            self.query_one("#export-status", Label).update(f"Wrote {request.path}")
            self.notify(f"Wrote {what} to {request.path}", title="Exported", timeout=6)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, OSError):  # the file system refused the path while writing
            error = file_system_refusal(error)
        if isinstance(error, QualcodeError):
            hint = error.hint
            if hint and "--force" in hint:  # the command line's words; here it is a checkbox
                hint = "Tick 'Overwrite' to replace it, or choose another name."
            text = error.message + (f"\n{hint}" if hint else "")
        else:
            text = f"{type(error).__name__}: {error}"
        self.query_one("#export-status", Label).update("Nothing written: see the message.")
        self.notify(text, title="Not exported", severity="error", timeout=10)

    def action_close(self) -> None:
        self.dismiss(None)
