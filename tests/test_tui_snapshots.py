"""What the workbench looks like: SVG snapshots of its screens on the demo project.

Deterministic by construction: a small project built here from a fixed transcript and
codebooks (so edits to the shipped demo corpus do not move these pictures), a fixed
coder and user, no clock on screen, and each shot taken after the worker that opens the
project has finished and any toast has been cleared.
Regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the
SVGs before committing them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.services import codebook, coding, corpus, workbench
from qualcode.services.project import create_project
from qualcode.tui.app import QualcodeApp
from tests.tui_support import opened

TRANSCRIPT = """---
title: Snapshot interview
school: skola 9
level: school
role: rektor
---

Intervjuare: Hur följer ni upp resultaten på skolan?

Rektor: Vi har en kvalitetsdialog med förvaltningen varje höst. Då går vi igenom betygen, \
enkäterna och frånvaron, och sedan skriver vi en plan för nästa läsår. Planen följs upp i mars.

Intervjuare: Vem bestämmer vad som står i planen?

Rektor: Formellt är det jag. Men i praktiken kommer mallen från förvaltningen, och den \
har samma rubriker varje år, så det blir mest att fylla i. Lärarna ser sällan underlagen \
innan de är färdiga.

Förstelärare: Det stämmer inte riktigt. Arbetslagen får siffrorna i oktober och diskuterar \
dem på en konferens. Sedan är det upp till varje lag vad de gör med dem.

Intervjuare: Hur märks det i klassrummet?

Förstelärare: Ärligt talat märks det inte så mycket. Det är andra saker som styr vardagen.
"""

SPEAKERS = """speakers:
  Intervjuare: {role: intervjuare, level: research}
  Rektor: {role: rektor, level: school}
  Förstelärare: {role: förstelärare, level: school}
"""

BOOKS = (
    CodebookSpec(slug="coupling", name="Coupling", version="1", codes=(
        CodeSpec("cp.form", "Form of coupling", colour="#2E86C1"),
        CodeSpec("cp.tight", "Tight coupling", parent="cp.form", colour="#C0392B", shortcut="t"),
        CodeSpec("cp.loose", "Loose coupling", parent="cp.form", colour="#27AE60", shortcut="l"),
        CodeSpec("cp.bypassed", "Level bypassed", colour="#8E44AD", shortcut="b"),
    )),
    CodebookSpec(slug="routines", name="Routines", version="1", codes=(
        CodeSpec("rt.ostensive", "Ostensive routine", colour="#D35400", shortcut="o"),
        CodeSpec("rt.performative", "Performative routine", colour="#16A085", shortcut="p"),
    )),
)

# (coder, code, sentence index)
CODINGS = (("anna", "cp.tight", 1), ("anna", "cp.tight", 5), ("bo", "cp.tight", 5),
           ("bo", "cp.loose", 7), ("anna", "rt.ostensive", 2), ("bo", "cp.bypassed", 6))


@pytest.fixture(scope="module")
def project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small project whose every byte on screen is fixed here, not by the shipped corpus."""
    folder = tmp_path_factory.mktemp("snapshot")
    source = folder / "skola9_rektor.md"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "speakers.yaml").write_text(SPEAKERS, encoding="utf-8")
    path = folder / "snapshot.qualcode"
    store = create_project(path, name="Snapshot project")
    try:
        report = corpus.import_paths(store, [source], speaker_map=folder / "speakers.yaml")
        assert not report.failed, report.failed
        for book in BOOKS:
            codebook.load_spec(store, book)
        sentences = workbench.open_document(store, 1).sentences
        for coder, code, index in CODINGS:
            sentence = sentences[index]
            made = coding.apply_code(store, 1, code, coder, coding.Span(sentence.start, sentence.end))
            if index == 5 and coder == "anna":
                coding.add_memo(store, "coding", made.id, "Mallen styr mer än rektorn.", coder)
    finally:
        store.close()
    return path


@pytest.fixture
def app(project_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> QualcodeApp:
    monkeypatch.setenv("USER", "snapshot")
    copy = tmp_path / "snapshot.qualcode"
    shutil.copyfile(project_file, copy)
    return QualcodeApp(str(copy), coder="snapshot", suggestions=False)


async def _opened(pilot: Pilot) -> None:
    await opened(pilot)


async def _quiet(pilot: Pilot) -> None:
    """Toasts would differ in timing from run to run: clear them before the shot."""
    pilot.app.clear_notifications()
    await pilot.pause()


def test_main_screen_wide(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("down", "down", "down")

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_main_screen_narrow(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("down", "shift+right", "shift+right")

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_main_screen_after_coding(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("down", "down", "t")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_code_finder(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("enter", *"coupl")

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_retrieval_with_results(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+r", *"cp.tight", "enter")

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_help_screen(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_selection_and_what_will_be_coded(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    """Two sentences selected: drawn in the text colour with a margin bar, and said below."""
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("down", "shift+down")

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_narrow_code_tree_open(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    """80x24 with F3: the code tree gets its width, keys first; the footer starts with Help."""
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("f3")

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_narrow_matrix(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    """80x24: the matrix takes the screen and shows every column, for one coder."""
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("f7")
        await pilot.pause()
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_narrow_export_dialog(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    """80x24: the export dialog keeps its Write button on screen."""
    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_narrow_agreement_screen(snap_compare, app: QualcodeApp) -> None:  # type: ignore[no-untyped-def]
    """80x24: coders, unit and rows, then the convention, overlap rule and weight level on
    one line, and the table below with its short headers."""
    from qualcode.tui.screens.agreement import AgreementScreen

    async def before(pilot: Pilot) -> None:
        await _opened(pilot)
        assert app.store is not None
        screen = AgreementScreen(app.store, "snapshot", coders="anna,bo", unit="overlap", overlap="longer")
        await app.push_screen(screen)
        for _ in range(500):
            if screen.report is not None:
                break
            await pilot.pause(0.02)
        assert screen.report is not None
        await pilot.pause()
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
