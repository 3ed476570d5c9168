"""Small things a user notices: plurals, context cut at words, the coded passage marked
when the output is piped, a text without speaker labels shown, lower-case labels with a
qualifier, the package's licence as an SPDX string, the retrieval dialog's Tab order.

The command-line checks run the installed ``qualcode`` script with its output piped
(so not a terminal), as a script calling it would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.importers.turns import detect_turns
from qualcode.services import codebook, coding, corpus, retrieval, workbench
from qualcode.services.project import create_project
from qualcode.storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
PLAIN = ("Vi har en kvalitetsdialog med förvaltningen varje höst och den följs upp noga. "
         "Då går vi igenom betygen och frånvaron tillsammans med lärarna på skolan. "
         "Sedan skriver vi en gemensam plan för nästa läsår som alla får läsa.\n")
# Lower-case role labels count as speakers where the file shows them recurring (the
# import's evidence rule), as they do in any real transcript.
LABELLED = ("lärare, Skola 3: Vi får siffrorna i oktober.\n\n"
            "rektor, Skola 3: Ja, och sedan diskuterar vi dem.\n\n"
            "lärare, Skola 3: I arbetslaget, varannan vecka.\n\n"
            "rektor, Skola 3: Det stämmer.\n")


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "plain.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "labelled.txt").write_text(LABELLED, encoding="utf-8")
    path = tmp_path / "details.qualcode"
    store = create_project(path, name="Details")
    try:
        report = corpus.import_paths(store, [tmp_path / "plain.txt", tmp_path / "labelled.txt"])
        assert not report.failed, report.failed
        codebook.load_spec(store, CodebookSpec(slug="q", name="Q", version="1", codes=(
            CodeSpec("q.plan", "Plan", colour="#2E86C1"),)))
        middle = workbench.open_document(store, "plain").sentences[1]
        coding.apply_code(store, "plain", "q.plan", "anna", coding.Span(middle.start, middle.end))
    finally:
        store.close()
    return path


def test_search_says_one_sentence_matches(project: Path) -> None:
    result = _qualcode("search", "frånvaron", "--db", str(project), cwd=project.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 sentence matches 'frånvaron'.")


def test_piped_retrieval_brackets_the_passage_and_cuts_context_at_words(project: Path) -> None:
    result = _qualcode("retrieve", "q.plan", "--context", "30", "--db", str(project), cwd=project.parent)
    assert result.returncode == 0, result.stderr
    flat = " ".join(line.strip("│ ") for line in result.stdout.splitlines())
    assert "q.plan: 1 passage," in flat
    assert "[[Då går vi igenom betygen" in flat and "på skolan.]]" in flat
    words = PLAIN.split()
    store = Store.open(project)
    try:
        cut = 0
        for context in range(20, 40):
            (passage,) = retrieval.retrieve(store, "q.plan", context=context).passages
            before, after = passage.before, passage.after
            cut += before.startswith("…") + after.endswith("…")
            assert before.lstrip("…").split()[0] in words and after.rstrip("…").split()[-1] in words
    finally:
        store.close()
    assert cut > 20  # most windows end inside a word: those are cut back to one, and say so


def test_show_prints_a_text_without_speaker_labels(project: Path) -> None:
    result = _qualcode("show", "plain", "--db", str(project), cwd=project.parent)
    assert result.returncode == 0, result.stderr
    assert "Vi har en kvalitetsdialog" in result.stdout and "som alla får läsa." in result.stdout
    numbered = _qualcode("show", "plain", "--sentences", "--db", str(project), cwd=project.parent)
    assert numbered.stdout.count("#") == 3


def test_lower_case_speaker_labels_with_a_qualifier_are_turns(project: Path) -> None:
    turns = detect_turns(LABELLED)
    assert [t.speaker for t in turns] == ["lärare, Skola 3", "rektor, Skola 3"] * 2
    assert LABELLED[turns[0].start:turns[0].end] == "Vi får siffrorna i oktober."
    # prose with a colon stays prose
    assert detect_turns("och sen sa hon: nej.\nklockan 10: inget\n") == ()
    store = Store.open(project)
    try:
        assert len(workbench.open_document(store, "labelled").turns) == 4
    finally:
        store.close()


def test_the_licence_is_an_spdx_string() -> None:
    """A table form makes setuptools print a deprecation warning on every install."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"
    assert any(r.startswith("setuptools>=77") for r in meta["build-system"]["requires"])


def test_the_retrieval_dialog_tabs_left_to_right(project: Path) -> None:
    import asyncio

    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.retrieval import RetrievalScreen

    from .tui_support import until

    async def drive() -> list[str]:
        app = QualcodeApp(str(project), coder="anna", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            from qualcode.tui.screens.main import MainScreen

            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
            await pilot.press("ctrl+r")
            await until(pilot, lambda: isinstance(app.screen, RetrievalScreen), "the retrieval dialog")
            order, xs = [], []
            for _ in range(4):
                focused = app.focused
                assert focused is not None
                order.append(focused.id or "")
                xs.append(focused.region.x)
                await pilot.press("tab")
            assert xs == sorted(xs)  # one row, left to right: no zig-zag
            return order

    assert asyncio.run(drive()) == ["retrieve-code", "retrieve-second", "retrieve-filters", "retrieve-coder"]


def test_codebook_load_finds_a_shipped_codebook_by_name_from_any_folder(project: Path) -> None:
    """``codebook load loose-coupling`` (or ``codebooks/loose-coupling.yaml``) outside the repository."""
    elsewhere = project.parent  # not the repository's root: no codebooks/ folder here
    assert not (elsewhere / "codebooks").exists()
    by_name = _qualcode("codebook", "load", "loose-coupling", "--db", str(project), cwd=elsewhere)
    assert by_name.returncode == 0, by_name.stderr
    assert "Loaded codebook loose-coupling" in " ".join(by_name.stdout.split())
    by_path = _qualcode("codebook", "load", "codebooks/organisational-routines.yaml", "--db", str(project),
                        cwd=elsewhere)
    assert by_path.returncode == 0, by_path.stderr
    missing = _qualcode("codebook", "load", "no-such-book", "--db", str(project), cwd=elsewhere)
    assert missing.returncode == 4 and "no such file" in missing.stderr + missing.stdout


def _appendix_examples(path: Path) -> dict[str, str]:
    from docx import Document

    rows = {}
    for table in Document(str(path)).tables:
        for row in table.rows[1:]:
            label, _definition, example = (cell.text for cell in row.cells)
            rows[label] = example
    return rows


def test_the_english_demo_appendix_quotes_english_not_the_swedish_examples(tmp_path: Path) -> None:
    from qualcode.services import export

    english = ROOT / "corpora" / "english-demo"
    path = tmp_path / "english.qualcode"
    store = create_project(path, name="English")
    try:
        report = corpus.import_paths(store, sorted(english.glob("*.md")), speaker_map=english / "speakers.yaml")
        assert not report.failed, report.failed
        codebook.load_file(store, ROOT / "codebooks" / "loose-coupling.yaml")
        sentence = workbench.open_document(store, 1).sentences[3]
        coding.apply_code(store, 1, "lc.tight", "anna", coding.Span(sentence.start, sentence.end))
        export.export_quotes(store, tmp_path / "en.docx", codebook="loose-coupling")
        text = workbench.open_document(store, 1).text[sentence.start:sentence.end]
    finally:
        store.close()
    examples = _appendix_examples(tmp_path / "en.docx")
    assert text.split()[0] in examples["Tight coupling"]  # this export's own English quote
    swedish = "förvaltningens mall"  # the shipped codebook's Swedish example for lc.tight
    assert not any(swedish in e for e in examples.values())
    assert not any(e for label, e in examples.items() if label != "Tight coupling" and e)  # no quote: none
