"""The agreement, comparison-matrix and export screens driven through Textual's Pilot.

Each test opens the workbench on a private copy of the demo project (anna codes every
transcript, bo six of them), pushes one screen over the main screen, and checks what
the screen did through the services: figures against the service's own report, a
settled disagreement by the consensus coding and the event log, exports by the files.
The matrix snapshot uses a tiny project built here, so the picture does not move when
the demo corpus changes. Regenerate with ``--snapshot-update`` and look at the SVG.
"""

from __future__ import annotations

import asyncio
import shutil
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Label, OptionList, Select

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.exporters.agreement_report import figure
from qualcode.services import agreement, codebook, coder_scope, coding, compare, corpus, workbench
from qualcode.services.project import create_project
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen, DisagreementList
from qualcode.tui.screens.export_dialog import ExportDialog
from qualcode.tui.screens.main import MainScreen
from qualcode.tui.screens.matrix import OVER, UNDER, MatrixScreen, MatrixTable
from qualcode.tui.screens.search import Jump

from .tui_support import settle as _settle
from .tui_support import until as _until

CODER = "lena"  # the supervisor: not one of the two coders compared
SIZE = (120, 40)

Scenario = Callable[[QualcodeApp, Pilot], Awaitable[None]]


@pytest.fixture
def project(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo project; the remembered coder is per user, so fix the user."""
    monkeypatch.setenv("USER", "tui-screens-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    copy = tmp_path / "demo.qualcode"
    shutil.copyfile(demo_file, copy)
    return copy


# -------------------------------------------------------------------- helpers






def run_app(path: Path | str, scenario: Scenario, *, size: tuple[int, int] = SIZE) -> None:
    """Open the workbench on ``path`` and run ``scenario`` once the main screen is up."""

    async def drive() -> None:
        app = QualcodeApp(str(path), coder=CODER, suggestions=False)
        async with app.run_test(size=size) as pilot:
            await _settle(app, pilot)
            await _until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
            await pilot.pause()
            await scenario(app, pilot)

    asyncio.run(drive())


def store_of(app: QualcodeApp) -> Store:
    assert app.store is not None
    return app.store


def errors(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


def column_labels(table: DataTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


def cell_texts(table: DataTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


# ------------------------------------------------------------------ agreement


async def _recompute_with_unit(screen: AgreementScreen, pilot: Pilot, unit: str) -> None:
    """Choose another unit and press enter in the coders field, as a supervisor would."""
    screen.query_one("#agreement-unit", Select).value = unit
    screen.query_one("#agreement-coders", Input).focus()
    await pilot.press("enter")
    await _until(pilot, lambda: screen.report is not None and screen.report.unit == unit, f"the {unit} report")
    await pilot.pause()


def test_agreement_table_shows_cohens_kappa_for_the_two_coders_with_the_unit(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = AgreementScreen(store_of(app), CODER, coders="anna,bo")
        await app.push_screen(screen)
        await _until(pilot, lambda: screen.report is not None, "the agreement report")
        await pilot.pause()
        table = screen.query_one("#agreement-table", DataTable)
        labels = column_labels(table)
        assert "Cohen's kappa" in labels
        expected = agreement.agreement_report(store_of(app), coders=["anna", "bo"])
        pooled = expected.pooled
        assert pooled is not None
        rows = [cell_texts(table, i) for i in range(table.row_count)]
        pooled_row = next(r for r in rows if r[0] == "(pooled)")
        assert pooled_row[labels.index("Cohen's kappa")] == figure(pooled.get("cohen_kappa"))
        assert len(rows) == len(expected.rows)
        unit = str(screen.query_one("#agreement-unit-text").render())
        assert "Unit: segment" in unit and "sentence" in unit
        assert not screen.query_one("#agreement-progress").display

        # another unit: the statistics and the stated unit change with it
        await _recompute_with_unit(screen, pilot, "character")
        assert "Agreement over all characters" in column_labels(table)
        assert "Unit: character" in str(screen.query_one("#agreement-unit-text").render())

        # unitized: the 2016 family per domain of codes, with its coverage in the notes
        await _recompute_with_unit(screen, pilot, "unitized")
        labels = column_labels(table)
        rows = [cell_texts(table, i) for i in range(table.row_count)]
        forms = next(r for r in rows if r[0] == "lc.forms (domain)")
        direct = next(r for r in screen.report.rows if r.code_key == "lc.forms (domain)")
        assert forms[labels.index("cu-alpha (2016)")] == figure(direct.get("cu_alpha_2016"))
        assert "cu-alpha speaks for" in str(screen.query_one("#agreement-notes").render())
        assert not errors(app)

    run_app(project, scenario)


def test_agreement_with_an_unknown_coder_is_an_error_message(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = AgreementScreen(store_of(app), CODER, coders="anna,nobody")
        await app.push_screen(screen)
        await _settle(app, pilot)
        await _until(pilot, lambda: bool(errors(app)), "the error")
        assert "No coder 'nobody'" in errors(app)[0]
        assert screen.report is None and app.screen is screen

    run_app(project, scenario)


def test_accepting_the_first_coder_creates_a_consensus_coding(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        store = store_of(app)
        screen = AgreementScreen(store, CODER, coders="anna,bo")
        await app.push_screen(screen)
        await _until(pilot, lambda: screen.report is not None, "the agreement report")
        await pilot.press("d")
        listing = screen.query_one(DisagreementList)
        await _until(pilot, lambda: listing.option_count > 0, "the disagreements")
        assert listing.option_count == len(agreement.disagreements(store, coders=["anna", "bo"]))
        # the first open passage where anna (the first coder) applied the code and bo did otherwise
        # (the demo's round 1 is already partly adjudicated)
        index = next(i for i, d in enumerate(screen.disagreements)
                     if d.settled is None and any(s.coder == "anna" for s in d.spans))
        chosen = screen.disagreements[index]
        with store.unit_of_work() as uow:
            before = len(uow.events.list(kind="agreement.adjudicated"))
        listing.highlighted = index
        await pilot.pause()
        assert app.focused is listing
        await pilot.press("a")
        await pilot.pause()

        made = [c for c in coding.list_codings(store, coder=agreement.CONSENSUS)
                if (c.document_id, c.code_id) == (chosen.document_id, chosen.code_id)
                and c.start < chosen.end and chosen.start < c.end]
        anna = [s for s in chosen.spans if s.coder == "anna"]
        assert [(c.document_id, c.code_id, c.start, c.end) for c in made] == [
            (chosen.document_id, chosen.code_id, s.start, s.end) for s in anna]
        with store.unit_of_work() as uow:
            events = uow.events.list(kind="agreement.adjudicated")
        assert [(e.payload["key"], e.payload["decision"], e.payload["coder"]) for e in events[:len(events) - before]] == [
            (chosen.key, "accept", "anna")]
        settled = {d.key: d.settled for d in agreement.disagreements(store, coders=["anna", "bo"])}
        assert settled[chosen.key] == "accept anna"
        assert "settled: accept anna" in str(listing.get_option_at_index(index).prompt)
        assert listing.highlighted is not None and listing.highlighted != index  # on to the next open one
        assert not errors(app)

    run_app(project, scenario)


def test_e_on_a_disagreement_returns_a_jump_to_it(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        chosen: list[Jump | None] = []
        screen = AgreementScreen(store_of(app), CODER, coders="anna,bo")
        await app.push_screen(screen, chosen.append)
        await _until(pilot, lambda: screen.report is not None, "the agreement report")
        await pilot.press("d")
        await _until(pilot, lambda: screen.query_one(DisagreementList).option_count > 0, "the disagreements")
        screen.query_one(DisagreementList).highlighted = 2
        await pilot.pause()
        target = screen.disagreements[2]
        await pilot.press("e")
        await _until(pilot, lambda: bool(chosen), "the screen to close")
        jump = chosen[0]
        assert jump is not None
        assert (jump.document_id, jump.start, jump.end) == (target.document_id, target.start, target.end)
        assert isinstance(app.screen, MainScreen)

    run_app(project, scenario)


# ------------------------------------------------------------------ the matrix


def test_matrix_shows_the_levels_flags_residuals_and_jumps_to_a_cell_passage(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        store = store_of(app)
        chosen: list[Jump | None] = []
        screen = MatrixScreen(store, "loose-coupling", by="level")
        await app.push_screen(screen, chosen.append)
        await pilot.pause()
        table = screen.query_one(MatrixTable)
        scope = coder_scope.resolve(store, None, by="level")  # one coder, not a pool that counts twice
        assert len(scope.coders) == 1
        expected = compare.compare(store, compare.ComparisonQuery(codebook="loose-coupling", by="level",
                                                                  coders=scope.coders))
        assert column_labels(table) == ["code", "owner", "school", "state", "university"]
        assert table.row_count == len(expected.rows)
        assert expected.stats is not None
        summary = str(screen.query_one("#matrix-summary").render())
        assert f"Coder: {scope.coders[0]}" in summary
        assert f"Cramér's V = {expected.stats.cramers_v:.2f}" in summary and "Chi-square(" in summary
        for i in range(len(expected.rows)):
            cells = cell_texts(table, i)
            assert cells[0].strip().startswith(expected.rows[i].key)
            for j in range(len(expected.columns)):
                flag = expected.stats.flag(i, j)
                assert cells[j + 1].startswith(f"{expected.values[i][j]:.0f}")
                assert (OVER in cells[j + 1]) == (flag == "+") and (UNDER in cells[j + 1]) == (flag == "-")
        assert OVER in str(screen.query_one("#matrix-legend").render())

        # Enter on the (lc.loose, school) cell lists its passages; Enter on one returns a Jump
        row = [r.key for r in expected.rows].index("lc.loose")
        table.cursor_coordinate = table.cursor_coordinate._replace(row=row, column=2)
        await pilot.press("enter")
        passages = screen.query_one("#matrix-passages", OptionList)
        await _until(pilot, lambda: passages.display and passages.option_count > 0, "the passages")
        wanted = compare.cell_passages(store, expected.query, "lc.loose", "school")
        assert passages.option_count == len(wanted) == int(expected.values[row][1])
        assert all(p.attributes.get("level") == "school" for p in wanted)
        await pilot.press("down", "enter")
        await _until(pilot, lambda: bool(chosen), "the screen to close")
        jump = chosen[0]
        assert jump is not None
        assert (jump.document_id, jump.start, jump.end) == (wanted[1].document_id, wanted[1].start, wanted[1].end)
        assert len(jump.hits) == len(wanted)

    run_app(project, scenario)


def test_matrix_escape_goes_back_from_the_passages_then_closes(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        chosen: list[Jump | None] = []
        screen = MatrixScreen(store_of(app), "loose-coupling", by="role")
        await app.push_screen(screen, chosen.append)
        await pilot.pause()
        await pilot.press("enter")
        passages = screen.query_one("#matrix-passages", OptionList)
        await _until(pilot, lambda: passages.display, "the passages")
        await pilot.press("escape")
        assert not passages.display and app.screen is screen
        await pilot.press("escape")
        await _until(pilot, lambda: bool(chosen), "the screen to close")
        assert chosen == [None]

    run_app(project, scenario)


def test_matrix_by_an_unknown_attribute_is_an_error_message(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = MatrixScreen(store_of(app), "loose-coupling", by="shoe-size")
        await app.push_screen(screen)
        await pilot.pause()
        assert any("shoe-size" in m for m in errors(app))
        assert screen.matrix is None and app.screen is screen

    run_app(project, scenario)


# ------------------------------------------------------------------ export


async def _export(app: QualcodeApp, pilot: Pilot, dialog: ExportDialog, what: str, path: Path,
                  *, overwrite: bool = False) -> None:
    dialog.query_one("#export-what", Select).value = what
    await pilot.pause()
    dialog.query_one("#export-path", Input).value = str(path)
    dialog.query_one("#export-overwrite", Checkbox).value = overwrite
    dialog.query_one("#export-path", Input).focus()
    await pilot.press("enter")
    await _settle(app, pilot)


def test_export_dialog_writes_docx_and_qdpx_and_will_not_overwrite_unasked(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        dialog = ExportDialog(store_of(app), codebook="loose-coupling")
        await app.push_screen(dialog)
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value == "quotes.docx"

        docx = out / "quotes.docx"
        await _export(app, pilot, dialog, "quotes", docx)
        assert not errors(app)
        with zipfile.ZipFile(docx) as archive:
            assert "word/document.xml" in archive.namelist()
            assert "Tight coupling" in archive.read("word/document.xml").decode("utf-8")
        assert any(str(docx) in n.message and n.title == "Exported" for n in app._notifications)

        qdpx = out / "project.qdpx"
        await _export(app, pilot, dialog, "qdpx", qdpx)
        assert not errors(app)
        with zipfile.ZipFile(qdpx) as archive:
            assert "project.qde" in archive.namelist()
        before = qdpx.read_bytes()
        qdpx.write_bytes(b"an older file")

        app.clear_notifications()
        await _export(app, pilot, dialog, "qdpx", qdpx)
        assert qdpx.read_bytes() == b"an older file"
        assert errors(app) and "already exists" in errors(app)[0] and "Overwrite" in errors(app)[0]

        app.clear_notifications()
        await _export(app, pilot, dialog, "qdpx", qdpx, overwrite=True)
        assert not errors(app)
        assert qdpx.read_bytes()[:2] == before[:2] == b"PK"
        assert app.screen is dialog  # stays open for the next export

    run_app(project, scenario)


def test_export_dialog_reports_a_wrong_ending_and_a_missing_codebook(project: Path, tmp_path: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        dialog = ExportDialog(store_of(app))
        await app.push_screen(dialog)
        await pilot.pause()
        await _export(app, pilot, dialog, "quotes", tmp_path / "quotes.pdf")
        assert errors(app) and "format 'pdf'" in errors(app)[0]
        app.clear_notifications()
        await _export(app, pilot, dialog, "matrix", tmp_path / "matrix.xlsx")
        assert errors(app) and "needs a codebook" in errors(app)[0]
        assert not (tmp_path / "quotes.pdf").exists() and not (tmp_path / "matrix.xlsx").exists()

    run_app(project, scenario)


def test_export_dialog_says_what_is_wrong_with_a_folder_or_a_name_too_long(project: Path, tmp_path: Path) -> None:
    """A folder is named as one (not 'tick Overwrite'), with Overwrite ticked or not; a
    file name longer than the file system allows is a message, and the workbench stays."""
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        dialog = ExportDialog(store_of(app), codebook="loose-coupling")
        await app.push_screen(dialog)
        await pilot.pause()
        for overwrite in (False, True):
            app.clear_notifications()
            await _export(app, pilot, dialog, "quotes", tmp_path, overwrite=overwrite)
            assert errors(app) and "is a folder" in errors(app)[0] and "Overwrite" not in errors(app)[0]
        for what, ending in (("quotes", "docx"), ("figure", "png"), ("qdpx", "qdpx")):
            app.clear_notifications()
            await _export(app, pilot, dialog, what, tmp_path / f"{'a' * 300}.{ending}")
            assert errors(app) and "File name too long" in errors(app)[0] and "shorter name" in errors(app)[0]
            assert app.screen is dialog
        assert not [p for p in tmp_path.iterdir() if not p.name.startswith(project.name)]  # nothing written

    run_app(project, scenario)


# ------------------------------------------------------------------ pictures


def test_pictures_say_whose_codings_in_a_whole_sentence(project: Path) -> None:
    """The demo's default coder is anna, with consensus on a few documents: each tab of
    the pictures screen says so with its parenthesis closed and one full stop."""
    from qualcode.tui.screens.coding_pictures import CodingPicturesScreen

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("f10")
        await _until(pilot, lambda: isinstance(app.screen, CodingPicturesScreen), "the pictures screen")
        await pilot.pause()
        for label in ("#codeline-summary", "#matrix-summary", "#network-summary"):
            text = str(app.screen.query_one(label, Label).render())
            said = text[text.index("Coder: anna"):]
            assert said.startswith("Coder: anna (most documents coded of"), text
            assert "consensus has agreed codings in only" in said, text
            assert said.index(")") < said.index(". "), text  # the parenthesis closes before the sentence ends
            assert ".." not in text and "--coder" not in text, text

    run_app(project, scenario)


# ------------------------------------------------------------------ snapshot

BOOK = CodebookSpec(slug="coupling", name="Coupling", version="1", codes=(
    CodeSpec("cp.tight", "Tight coupling", colour="#C0392B"),
    CodeSpec("cp.loose", "Loose coupling", colour="#27AE60"),
    CodeSpec("cp.bypassed", "Level bypassed", colour="#8E44AD"),
))

# level -> how many sentences get each code (sentence 0, 1, ... in turn)
PLAN = {"owner": {"cp.tight": 9, "cp.loose": 1, "cp.bypassed": 3},
        "school": {"cp.tight": 1, "cp.loose": 8, "cp.bypassed": 3}}


def _transcript(level: str, role: str) -> str:
    sentences = " ".join(f"Punkt {n} i uppföljningen gäller {level}." for n in range(1, 13))
    return f"---\ntitle: Intervju {level}\nlevel: {level}\nrole: {role}\n---\n\nRektor: {sentences}\n"


@pytest.fixture(scope="module")
def matrix_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two one-turn transcripts and one codebook, coded so the residuals are clear."""
    folder = tmp_path_factory.mktemp("matrix-snapshot")
    sources = []
    for level, role in (("owner", "förvaltningschef"), ("school", "rektor")):
        source = folder / f"{level}.md"
        source.write_text(_transcript(level, role), encoding="utf-8")
        sources.append(source)
    path = folder / "matrix.qualcode"
    store = create_project(path, name="Matrix snapshot")
    try:
        report = corpus.import_paths(store, sources)
        assert not report.failed, report.failed
        codebook.load_spec(store, BOOK)
        for document in workbench.documents_with_progress(store, {}):
            sentences = workbench.open_document(store, document.document.id).sentences
            level = document.document.attributes["level"]
            for code, count in PLAN[level].items():
                for sentence in sentences[:count]:
                    coding.apply_code(store, document.document.id, code, "anna",
                                      coding.Span(sentence.start, sentence.end))
    finally:
        store.close()
    return path


def test_matrix_screen_snapshot(snap_compare, matrix_project: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "snapshot")
    copy = tmp_path / "matrix.qualcode"
    shutil.copyfile(matrix_project, copy)
    app = QualcodeApp(str(copy), coder="snapshot", suggestions=False)

    async def before(pilot: Pilot) -> None:
        await _settle(app, pilot)
        await _until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        await app.push_screen(MatrixScreen(store_of(app), "coupling", by="level"))
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)
