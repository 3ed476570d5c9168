"""The workbench's suggestions stay current: a recode, an undo or another process's
change (after F5) is seen at once; ctrl+n skips interviewer turns; the panel shows the
calibrated probability and its reason. Driven with Pilot on the cut-down demo project."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from qualcode.services import coding, suggestions
from qualcode.services.coding import Span
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.suggestion_panel import SuggestionPanel

from .test_tui import demo_file, main_screen, project, run_app  # noqa: F401  (fixtures)
from .tui_support import until


def _exemplars(screen) -> set[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """(text, code id) of every coded passage the suggester learns from (ids may be reused)."""
    codes = screen.suggester.codes
    return {(e.text, codes[e.code_index].id) for e in screen.suggester.exemplars}


def test_recode_undo_and_another_process_change_reach_the_suggestions(project: Path) -> None:  # noqa: F811
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await until(pilot, lambda: screen.suggested is not None, "the first suggestions", timeout=120)
        span = screen.reader.target_span()
        first = screen.suggested.suggestions[0]
        await pilot.press("plus")  # code the passage as suggested ...
        await until(pilot, lambda: screen.suggested is not None and first.code_id in screen.suggested.coded,
                    "suggestions that know the new coding", timeout=60)
        passage = screen.reader.document.text[span.start:span.end]
        assert (passage, first.code_id) in _exemplars(screen)
        second = screen.suggested.suggestions[0]
        await pilot.press("delete")  # ... then recode it: remove it and apply another code
        await until(pilot, lambda: screen.suggested is not None and first.code_id not in screen.suggested.coded,
                    "suggestions after the removal", timeout=60)
        code = next(c for view in screen.books for c, _, _ in view.codes if c.id == second.code_id)
        screen.apply(code)
        await until(pilot, lambda: screen.suggested is not None and second.code_id in screen.suggested.coded,
                    "suggestions after the recode", timeout=60)
        assert (screen.reader.target_span().start, screen.reader.target_span().end) == (span.start, span.end)
        assert (passage, first.code_id) not in _exemplars(screen), "the removed coding is no exemplar any more"
        assert (passage, second.code_id) in _exemplars(screen)
        await pilot.press("u")  # undo the new coding
        await until(pilot, lambda: screen.suggested is not None and second.code_id not in screen.suggested.coded,
                    "suggestions after undo", timeout=60)
        elsewhere = Store.open(project)  # another process codes the passage; F5 shows it
        try:
            coding.apply_code(elsewhere, screen.document_id, screen._code_reference(first.code_id, first.code_key),
                              "someone-else", Span(span.start, span.end))
        finally:
            elsewhere.close()
        await pilot.press("f5")
        await until(pilot, lambda: screen.suggested is not None and first.code_id in screen.suggested.coded,
                    "suggestions that know the other process's coding", timeout=60)
        assert first.code_id not in [s.code_id for s in screen.suggested.suggestions]

    run_app(project, scenario, suggest=True)


def test_ctrl_n_skips_interviewer_turns_and_the_panel_shows_its_figure(project: Path) -> None:  # noqa: F811
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await until(pilot, lambda: screen.suggested is not None, "the first suggestions", timeout=120)
        panel = screen.query_one(SuggestionPanel).plain
        top = screen.suggested.suggestions[0]
        assert ("%" in panel) if top.calibrated else ("score" in panel)
        assert "like " in panel and top.code_label in panel
        with screen.store.unit_of_work() as uow:
            turns = {t.id: t for t in uow.documents.turns(screen.document_id)}
            speakers = {s.id: s for s in uow.documents.speakers(screen.document_id)}
            sentences = uow.documents.segments(screen.document_id)
        asked = {s.start for s in sentences if s.turn_id in turns
                 and suggestions.is_interviewer(speakers.get(turns[s.turn_id].speaker_id))}
        assert asked, "the demo transcripts have interviewer questions"
        for _ in range(3):
            before = screen.reader.cursor_offset
            await pilot.press("ctrl+n")
            await until(pilot, lambda: screen.reader.cursor_offset != before, "a jump", timeout=60)  # noqa: B023
            assert screen.reader.cursor_offset not in asked

    run_app(project, scenario, suggest=True)


def test_ctrl_u_goes_to_the_passage_the_model_is_least_sure_of(project: Path) -> None:  # noqa: F811
    """ctrl+u lands on what ``next_uncertain`` picks for the document: an uncoded passage,
    never an interviewer's question."""
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await until(pilot, lambda: screen.suggested is not None, "the first suggestions", timeout=120)
        with screen._suggester_lock:
            expected = screen.suggester.next_uncertain(screen.document_id, top=3)
        assert expected is not None
        with screen.store.unit_of_work() as uow:
            codings = uow.codings.for_document(screen.document_id)
        assert not any(c.start < expected.end and expected.start < c.end for c in codings)
        await pilot.press("ctrl+u")
        await until(pilot, lambda: screen.reader.target_span().start == expected.start, "the jump", timeout=60)
        assert screen.reader.target_span().end == expected.end

    run_app(project, scenario, suggest=True)
