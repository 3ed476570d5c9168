"""The agreement screen through Textual's Pilot: first figures, then intervals; the most-used
figures first with the rest toggled; readable at 80 columns; back as it was after ``e``."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from qualcode.exporters.agreement_report import figure
from qualcode.services import agreement
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen, DisagreementList
from qualcode.tui.screens.main import MainScreen

from .agreement_support import build_tiny
from .tui_support import settle, until

CODER = "lena"
WAIT = 60.0  # generous: the test machine may be busy


@pytest.fixture
def project(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "tui-agreement-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    copy = tmp_path / "demo.qualcode"
    shutil.copyfile(demo_file, copy)
    return copy


def run_app(path: Path, scenario: Callable[[QualcodeApp, Pilot], Awaitable[None]],
            size: tuple[int, int] = (120, 40)) -> None:
    async def drive() -> None:
        app = QualcodeApp(str(path), coder=CODER, suggestions=False)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen", WAIT)
            await scenario(app, pilot)

    asyncio.run(drive())


def labels(table: DataTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


def rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def test_first_figures_then_intervals_and_the_rest_toggled(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert app.store is not None
        screen = AgreementScreen(app.store, CODER, coders="anna,bo")
        await app.push_screen(screen)
        await until(pilot, lambda: screen.first_figures is not None, "the first figures", WAIT)
        assert screen.first_figures.pooled.get("cohen_kappa").ci is None  # point estimates only
        await until(pilot, lambda: screen.report is not None, "the report with intervals", WAIT)
        await pilot.pause()
        table = screen.query_one("#agreement-table", DataTable)
        main = labels(table)
        assert main[:4] == ["Code", "Percent agreement", "Cohen's kappa", "Krippendorff's alpha (nominal)"]
        assert "Expected agreement (Cohen's p_e)" not in main
        pooled = next(r for r in rows(table) if r[0] == "(pooled)")
        assert pooled[main.index("Cohen's kappa")] == figure(screen.report.pooled.get("cohen_kappa"))
        assert "[" in pooled[main.index("Cohen's kappa")]  # intervals at 120 columns
        await pilot.press("f")
        await pilot.pause()
        every = labels(table)
        assert "Expected agreement (Cohen's p_e)" in every and "Gwet's AC1" in every
        expected = next(r for r in rows(table) if r[0] == "(pooled)")[every.index("Expected agreement (Cohen's p_e)")]
        assert expected == figure(screen.report.pooled.get("cohen_pe"))
        await pilot.press("f")
        await pilot.pause()
        assert labels(table) == main
        assert "convention qualcode" in str(screen.query_one("#agreement-unit-text").render())

    run_app(project, scenario)


def test_at_80_columns_the_table_fits_without_intervals(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert app.store is not None
        screen = AgreementScreen(app.store, CODER, coders="anna,bo")
        await app.push_screen(screen)
        await until(pilot, lambda: screen.report is not None, "the report", WAIT)
        await pilot.pause()
        table = screen.query_one("#agreement-table", DataTable)
        pooled = next(r for r in rows(table) if r[0] == "(pooled)")
        kappa = screen.report.pooled.get("cohen_kappa")
        assert labels(table)[:4] == ["Code", "Agree", "Kappa", "Alpha"]
        assert pooled[labels(table).index("Kappa")] == f"{kappa.value:.3f}"
        width = sum(column.get_render_width(table) for column in table.columns.values())
        assert width <= 80

    run_app(project, scenario, size=(80, 24))


def test_the_screen_comes_back_as_it_was_after_show_in_context(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert app.store is not None
        screen = AgreementScreen(app.store, CODER, coders="anna,bo")
        screen_closed: list[object] = []
        await app.push_screen(screen, screen_closed.append)
        await until(pilot, lambda: screen.report is not None, "the report", WAIT)
        screen.query_one("#agreement-convention", Select).value = "nvivo"
        screen.query_one("#agreement-coders", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.report is not None and screen.report.convention == "nvivo",
                    "the NVivo report", WAIT)
        await pilot.press("d")
        listing = screen.query_one(DisagreementList)
        await until(pilot, lambda: listing.option_count > 3, "the disagreements", WAIT)
        listing.highlighted = 3
        await pilot.pause()
        target = screen.disagreements[3]
        await pilot.press("e")
        await until(pilot, lambda: bool(screen_closed), "the jump", WAIT)

        again = AgreementScreen(app.store, CODER)  # as ctrl+g opens it: no arguments
        await app.push_screen(again)
        await pilot.pause()
        await until(pilot, lambda: again.query_one(DisagreementList).option_count > 3, "the list again", WAIT)
        assert again.query_one("#agreement-coders", Input).value == "anna,bo"
        assert again.query_one("#agreement-convention", Select).value == "nvivo"
        assert again.report is not None and again.report.convention == "nvivo"
        assert again.query_one("ContentSwitcher").current == "agreement-review"
        assert again.query_one(DisagreementList).highlighted == 3
        assert again.disagreements[3].key == target.key
        assert again.report.rows == agreement.agreement_report(
            app.store, coders=["anna", "bo"], convention="nvivo").rows

    run_app(project, scenario)


# ------------------------------------------- the overlap rule and the weight level

@pytest.fixture
def tiny(tmp_path: Path, interview_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny project of :mod:`tests.agreement_support`: the overlap rule and the weight
    level change its figures."""
    monkeypatch.setenv("USER", "tui-agreement-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    return build_tiny(tmp_path / "tiny.qualcode", *interview_files)


async def _recompute(screen: AgreementScreen, pilot: Pilot, select: str, value: str, done: Callable[[], bool],
                     what: str) -> None:
    """Change one selector and press enter in the coders field, as a supervisor would."""
    screen.query_one(f"#agreement-{select}", Select).value = value
    screen.query_one("#agreement-coders", Input).focus()
    await pilot.press("enter")
    await until(pilot, lambda: screen.report is not None and done(), what, WAIT)
    await pilot.pause()


def _cell(table: DataTable, code: str, column: str) -> str:
    row = next(r for r in rows(table) if r[0] == code)
    return row[labels(table).index(column)]


def test_the_overlap_rule_changes_the_figure_and_comes_back(tiny: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert app.store is not None
        screen = AgreementScreen(app.store, CODER, coders="anna,bo", unit="overlap")
        await app.push_screen(screen)
        await until(pilot, lambda: screen.report is not None, "the overlap report", WAIT)
        await pilot.pause()
        table = screen.query_one("#agreement-table", DataTable)
        column = "Segment overlap agreement"
        assert screen.report.settings["overlap"] == "union"
        union = _cell(table, "voice", column)
        voice = next(r for r in screen.report.rows if r.code_key == "voice")
        assert union == figure(voice.get("overlap_agreement")) == "0.0 %"

        await _recompute(screen, pilot, "overlap", "longer",
                         lambda: screen.report.settings["overlap"] == "longer", "the 'longer' report")
        longer = _cell(table, "voice", column)
        assert longer == "100.0 %" != union  # 90 shared characters of the longer 100: a match both ways
        direct = agreement.agreement_report(app.store, coders=["anna", "bo"], unit="overlap", overlap="longer")
        assert longer == figure(next(r for r in direct.rows if r.code_key == "voice").get("overlap_agreement"))
        assert "of the longer of the two segments" in str(screen.query_one("#agreement-unit-text").render())

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen", WAIT)
        again = AgreementScreen(app.store, CODER)  # as ctrl+g opens it: no arguments
        await app.push_screen(again)
        await pilot.pause()
        assert again.query_one("#agreement-overlap", Select).value == "longer"
        assert again.query_one("#agreement-unit", Select).value == "overlap"
        assert _cell(again.query_one("#agreement-table", DataTable), "voice", column) == longer

    run_app(tiny, scenario)


def test_the_weight_level_reaches_the_service_and_comes_back(tiny: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert app.store is not None
        screen = AgreementScreen(app.store, CODER, coders="anna,bo")
        await app.push_screen(screen)
        await until(pilot, lambda: screen.report is not None, "the segment report", WAIT)
        await pilot.pause()
        table = screen.query_one("#agreement-table", DataTable)
        interval = _cell(table, "followup", "Krippendorff's alpha on weights (interval)")

        await _recompute(screen, pilot, "weight-level", "ordinal",
                         lambda: screen.report.settings["weight_level"] == "ordinal", "the ordinal report")
        column = "Krippendorff's alpha on weights (ordinal)"
        assert column in labels(table)  # among the main figures, not folded away
        assert "Krippendorff's alpha on weights (interval)" not in labels(table)
        direct = agreement.agreement_report(app.store, coders=["anna", "bo"], weight_level="ordinal")
        ordinal = next(r for r in direct.rows if r.code_key == "followup").get("weight_alpha_ordinal")
        assert _cell(table, "followup", column) == figure(ordinal) != interval

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen", WAIT)
        again = AgreementScreen(app.store, CODER)
        await app.push_screen(again)
        await pilot.pause()
        assert again.query_one("#agreement-weight-level", Select).value == "ordinal"
        assert column in labels(again.query_one("#agreement-table", DataTable))

    run_app(tiny, scenario)


def test_gamma_with_its_interval_and_the_mean_over_sources_on_the_screen(tiny: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert app.store is not None
        screen = AgreementScreen(app.store, CODER, coders="anna,bo", unit="gamma")
        await app.push_screen(screen)
        await until(pilot, lambda: screen.report is not None, "the gamma report", WAIT)
        await pilot.pause()
        table = screen.query_one("#agreement-table", DataTable)
        gamma = next(r for r in screen.report.rows if r.code_key == "(pooled)").get("mathet_gamma")
        assert gamma is not None and gamma.ci is not None
        assert _cell(table, "(pooled)", "Mathet's gamma") == figure(gamma)
        assert f"[{gamma.ci[0]:.2f}, {gamma.ci[1]:.2f}]" in figure(gamma)

        await _recompute(screen, pilot, "unit", "character", lambda: screen.report.unit == "character",
                         "the character report")
        await _recompute(screen, pilot, "convention", "nvivo", lambda: screen.report.convention == "nvivo",
                         "the NVivo report")
        await pilot.press("f")
        await pilot.pause()
        mean = next(r for r in screen.report.rows if r.code_key == "voice").get("char_kappa_source_mean")
        assert _cell(table, "voice", "Kappa, mean over sources weighted by size (NVivo)") == figure(mean)
        assert _cell(table, "voice", "Expected agreement over characters (p_e)") != "n/a"
        assert "convention nvivo" in str(screen.query_one("#agreement-unit-text").render())

    run_app(tiny, scenario)
