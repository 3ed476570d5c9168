"""The workbench driven through Textual's Pilot: every workflow, checked through the services.

A small project (three demo transcripts, the shipped codebooks, anna's and bo's example
codings of them) is built once per module and copied for each test, so each test codes
in a project of its own. What the UI did is asserted through the service layer
(list_codings, memos_for, retrieval), i.e. by what is stored, not by what is drawn.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import yaml
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from qualcode.core.model import Coding
from qualcode.services import anchored, codebook, coding, corpus, retrieval, workbench
from qualcode.services.demo import SHIPPED_CODEBOOKS, data_root
from qualcode.services.project import create_project
from qualcode.storage.store import Store
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_finder import CodeFinder
from qualcode.tui.screens.coder_prompt import CoderPrompt
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.main import MainScreen
from qualcode.tui.screens.memo_editor import MemoEditor
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.widgets.code_tree import CodeTree
from qualcode.tui.widgets.document_list import DocumentList

from .tui_support import settle as _settle
from .tui_support import until as _until

CODER = "tester"
SIZE = (120, 40)

Scenario = Callable[[QualcodeApp, Pilot], Awaitable[None]]


DOCUMENTS = ("01_processtodjare", "02_dialogledare", "03_forvaltningschef")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project cut down to three documents: the same data, a fraction of the build."""
    root = data_root()
    corpus_dir = root / "corpora" / "sbs-demo"
    folder = tmp_path_factory.mktemp("demo")
    sources = [corpus_dir / f"{name}.md" for name in DOCUMENTS]
    texts = "".join(source.read_text(encoding="utf-8") for source in sources)
    speakers = yaml.safe_load((corpus_dir / "speakers.yaml").read_text(encoding="utf-8"))["speakers"]
    used = {label: facts for label, facts in speakers.items() if f"\n{label}:" in texts}
    (folder / "speakers.yaml").write_text(yaml.safe_dump({"speakers": used}, allow_unicode=True),
                                          encoding="utf-8")
    path = folder / "demo.qualcode"
    store = create_project(path, name="TUI test project")
    try:
        report = corpus.import_paths(store, sources, speaker_map=folder / "speakers.yaml")
        assert not report.failed, report.failed
        for slug in SHIPPED_CODEBOOKS:
            codebook.load_file(store, root / "codebooks" / f"{slug}.yaml")
        for coder in ("anna", "bo"):  # bo's codings sit in the folders of his rounds
            for name in DOCUMENTS:
                for file in sorted((corpus_dir / "codings" / coder).rglob(f"{name}.yaml")):
                    anchored.apply_anchored_file(store, file)
    finally:
        store.close()
    return path


@pytest.fixture
def project(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo project; the remembered coder is per user, so fix the user."""
    monkeypatch.setenv("USER", "tui-test")
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    copy = tmp_path / "demo.qualcode"
    shutil.copyfile(demo_file, copy)
    return copy


# -------------------------------------------------------------------- helpers






def run_app(path: Path | str, scenario: Scenario, *, coder: str | None = CODER,
            size: tuple[int, int] = SIZE, main: bool = True, suggest: bool = False) -> None:
    """Open the workbench on ``path`` and run ``scenario`` once the main screen is up."""

    async def drive() -> None:
        app = QualcodeApp(str(path), coder=coder, suggestions=suggest)
        async with app.run_test(size=size) as pilot:
            await _settle(app, pilot)
            if main:
                await _until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
                await pilot.pause()
            await scenario(app, pilot)

    asyncio.run(drive())


def main_screen(app: QualcodeApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


def notes(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications]


def stored(path: Path, **filters: str) -> list[Coding]:
    store = Store.open(path)
    try:
        return coding.list_codings(store, **filters)
    finally:
        store.close()


def code_key(path: Path, code_id: int) -> str:
    store = Store.open(path)
    try:
        with store.unit_of_work() as uow:
            return uow.codebooks.code(code_id).key
    finally:
        store.close()


# ----------------------------------------------------------------------- open


def test_coder_prompt_appears_once_and_the_name_is_remembered(project: Path) -> None:
    async def first(app: QualcodeApp, pilot: Pilot) -> None:
        await _until(pilot, lambda: isinstance(app.screen, CoderPrompt), "the coder prompt")
        await pilot.press("enter")  # an empty name is refused
        assert isinstance(app.screen, CoderPrompt)
        await pilot.press(*"maj", "enter")
        await _until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        assert main_screen(app).coder == "maj"

    run_app(project, first, coder=None, main=False)

    async def again(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.pause()
        assert not isinstance(app.screen, CoderPrompt)
        assert main_screen(app).coder == "maj"

    run_app(project, again, coder=None)


def test_opens_on_the_first_document_with_the_cursor_on_its_first_sentence(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        reader = screen.reader
        assert reader.document is not None
        assert reader.document.summary.name == "01_processtodjare"
        assert reader.sentence == 0
        assert reader.cursor_span().start == reader.document.sentences[0].start
        assert app.focused is reader
        assert "tester · " in str(screen.query_one("#document-title").render())

    run_app(project, scenario)


def test_the_first_view_read_by_the_opening_worker_is_what_the_screen_would_read(project: Path) -> None:
    """The worker reads the code trees, the list and the first document ahead; they must
    be exactly what the main screen reads for itself (same coders, same viewer)."""
    from qualcode.services import workbench

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        assert app._first is None and screen._first is None  # handed over and used once
        store = screen.store
        assert screen.books == workbench.codebooks_with_counts(store, screen._coders(), viewer=screen.coder)
        listed = screen.query_one(DocumentList)
        shown = [listed.get_option_at_index(i).id for i in range(listed.option_count)]
        assert shown == [str(d.document.id) for d in workbench.documents_with_progress(store, {})]
        reader = screen.reader
        assert reader.document is not None
        assert reader.document == workbench.open_document(store, reader.document.summary.id, screen._coders(),
                                                          viewer=screen.coder)

    run_app(project, scenario)


def test_a_missing_project_shows_an_error_instead_of_crashing(tmp_path: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.pause()
        assert app.is_running
        assert not isinstance(app.screen, MainScreen)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and errors[0].title == "Cannot open the project"
        assert "Could not open" in str(app.query_one("#opening").render())

    run_app(tmp_path / "missing.qualcode", scenario, main=False)


def test_a_file_that_is_not_a_project_shows_an_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.qualcode"
    bogus.write_text("these are notes, not a project\n" * 20, encoding="utf-8")

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, MainScreen)
        assert any(n.severity == "error" for n in app._notifications)

    run_app(bogus, scenario, main=False)


# ----------------------------------------------------------------------- move


def test_moves_by_sentence_turn_and_paragraph(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        document = reader.document
        assert document is not None
        sentences = document.sentences
        await pilot.press("down", "down")
        assert reader.cursor_span().start == sentences[2].start
        await pilot.press("up")
        assert reader.cursor_span().start == sentences[1].start
        await pilot.press("up", "up")  # stops at the first sentence
        assert reader.sentence == 0

        await pilot.press("ctrl+down", "ctrl+down")
        assert reader.cursor_offset == document.turns[2].start
        await pilot.press("ctrl+up")
        assert reader.cursor_offset == document.turns[1].start

        await pilot.press("alt+down")
        assert reader.cursor_offset == document.paragraphs[2].start
        await pilot.press("alt+up")
        assert reader.cursor_offset == document.paragraphs[1].start

        await pilot.press("end")
        assert reader.sentence == len(sentences) - 1
        await pilot.press("down")
        assert reader.sentence == len(sentences) - 1
        await pilot.press("home")
        assert reader.sentence == 0

    run_app(project, scenario)


def test_the_reader_scrolls_to_keep_the_cursor_in_view(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        assert reader.scroll_offset.y == 0
        await pilot.press("end", "up", "up")
        assert reader.layout_ is not None
        line = reader.layout_.line_of(reader.cursor_offset)
        top = int(reader.scroll_offset.y)
        assert top > 0
        assert top <= line < top + reader.scrollable_content_region.height
        await pilot.press("home")
        assert reader.scroll_offset.y == 0

    run_app(project, scenario)


def test_extends_the_selection_by_words_and_sentences_and_codes_it(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        document = reader.document
        assert document is not None
        first, second = document.sentences[1], document.sentences[2]
        await pilot.press("down")
        # with nothing selected the cursor's sentence is the selection: words come and go at its end
        await pilot.press("shift+left")
        assert reader.selection is not None
        shown = document.text[reader.selection.start:reader.selection.end]
        assert shown == document.text[first.start:first.end].rsplit(" ", 1)[0]
        await pilot.press("shift+left")
        assert document.text[reader.selection.start:reader.selection.end] == shown.rsplit(" ", 1)[0]
        await pilot.press("shift+right", "shift+right")
        assert (reader.selection.start, reader.selection.end) == (first.start, first.end - 1)  # no "."
        await pilot.press("shift+right")
        assert document.text[reader.selection.start:reader.selection.end].endswith("stycken. Jag")
        await pilot.press("escape")
        assert reader.selection is None

        await pilot.press("shift+down")
        assert (reader.selection.start, reader.selection.end) == (first.start, second.end)
        await pilot.press("shift+down", "shift+up")
        assert (reader.selection.start, reader.selection.end) == (first.start, second.end)
        await pilot.press("t")
        assert reader.selection is None  # coding clears the selection

    run_app(project, scenario)
    made = stored(project, coder=CODER)
    assert len(made) == 1
    store_doc = made[0]
    assert code_key(project, store_doc.code_id) == "lc.tight"
    with_doc = _sentence_spans(project)
    assert (store_doc.start, store_doc.end) == (with_doc[1][0], with_doc[2][1])


def _sentence_spans(path: Path, document: int = 1) -> list[tuple[int, int]]:
    store = Store.open(path)
    try:
        return [(s.start, s.end) for s in workbench.open_document(store, document).sentences]
    finally:
        store.close()


# ---------------------------------------------------------------------- apply


def test_a_shortcut_key_codes_the_cursor_sentence(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("down", "down", "t")
        shown = screen.reader.codings_at_cursor()
        assert any(c.code_key == "lc.tight" and c.coder == CODER for c in shown)
        assert any(message.startswith("Coded Tight coupling") for message in notes(app))

    run_app(project, scenario)
    sentences = _sentence_spans(project)
    made = stored(project, coder=CODER, code="lc.tight")
    assert [(c.start, c.end) for c in made] == [sentences[2]]


def test_keys_typed_ahead_code_where_the_cursor_ends_up(project: Path) -> None:
    """Keys sent without waiting (fast typing, key repeat) are handled in order."""

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        for key in ("down", "down", "t"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await _until(pilot, lambda: bool(main_screen(app).reader.codings_at_cursor()), "the coding")

    run_app(project, scenario)
    made = stored(project, coder=CODER)
    assert [(c.start, c.end) for c in made] == [_sentence_spans(project)[2]]


def test_the_finder_applies_the_code_typed(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("down", "enter")
        assert isinstance(app.screen, CodeFinder)
        await pilot.press(*"bypassed", "enter")
        assert isinstance(app.screen, MainScreen)

    run_app(project, scenario)
    made = stored(project, coder=CODER)
    assert len(made) == 1
    assert code_key(project, made[0].code_id) == "lc.bypassed"
    assert (made[0].start, made[0].end) == _sentence_spans(project)[1]


def test_the_finder_says_when_nothing_matches_what_was_typed(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("enter")
        assert isinstance(app.screen, CodeFinder)
        await pilot.press(*"zzqx", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodeFinder)  # still open, to type again
        assert any("No code matches 'zzqx'" in n.message for n in app._notifications)

    run_app(project, scenario)
    assert stored(project, coder=CODER) == []


def test_the_finder_can_be_cancelled(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("enter")
        assert isinstance(app.screen, CodeFinder)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

    run_app(project, scenario)
    assert stored(project, coder=CODER) == []


def test_selecting_a_code_in_the_tree_applies_it(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("down", "down", "down")
        tree = screen.query_one(CodeTree)
        tree.focus()
        await pilot.pause()
        target = next(node for node in _nodes(tree.root) if node.data is not None and node.data.key == "lc.loose")
        tree.move_cursor(target)
        await pilot.press("enter")
        assert any(c.code_key == "lc.loose" for c in screen.reader.codings_at_cursor())

    run_app(project, scenario)
    made = stored(project, coder=CODER)
    assert [(code_key(project, c.code_id), c.start, c.end) for c in made] == [
        ("lc.loose", *_sentence_spans(project)[3])]


def _nodes(node):  # type: ignore[no-untyped-def]
    yield node
    for child in node.children:
        yield from _nodes(child)


# ----------------------------------------------------------- remove, memo, undo


def test_delete_removes_the_coding_and_undo_brings_it_back(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("t")
        assert len(stored(project, coder=CODER)) == 1
        await pilot.press("delete")
        assert stored(project, coder=CODER) == []
        assert main_screen(app).reader.codings_at_cursor() == []
        await pilot.press("u")
        assert len(stored(project, coder=CODER)) == 1
        assert main_screen(app).reader.codings_at_cursor()
        await pilot.press("u", "u")  # undo the restore's cause: the apply itself
        assert stored(project, coder=CODER) == []
        assert any("Nothing to undo" in m for m in notes(app))

    run_app(project, scenario)


def test_undo_reverts_the_last_coding(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("t", "down", "l")
        assert len(stored(project, coder=CODER)) == 2
        await pilot.press("u")
        made = stored(project, coder=CODER)
        assert [code_key(project, c.code_id) for c in made] == ["lc.tight"]

    run_app(project, scenario)


def test_delete_with_no_coding_under_the_cursor_is_refused(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        assert main_screen(app).reader.codings_at_cursor() == []
        await pilot.press("delete")
        assert "No coding under the cursor." in notes(app)

    run_app(project, scenario)
    assert stored(project, coder=CODER) == []


def test_an_empty_memo_is_not_saved_and_an_emptied_one_is_said_to_be_deleted(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("m", *"   ", "ctrl+s")  # blanks only: nothing to keep
        assert isinstance(app.screen, MainScreen)
        assert "The memo was empty: nothing saved." in notes(app)
        await pilot.press("m", *"kort", "ctrl+s")
        await pilot.press("m")
        assert isinstance(app.screen, MemoEditor)
        app.screen.query_one(TextArea).clear()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert notes(app)[-1] == "Memo deleted (it was emptied). Press u to undo."

    run_app(project, scenario)
    store = Store.open(project)
    try:
        document = workbench.documents_with_progress(store)[0].document
        assert coding.memos_for(store, "document", document.id) == []
    finally:
        store.close()


def test_a_memo_on_the_coding_under_the_cursor(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("t", "m")
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*"stark", "ctrl+s")
        assert isinstance(app.screen, MainScreen)
        assert "Memo saved." in notes(app)
        # editing the same memo replaces its text
        await pilot.press("m")
        assert isinstance(app.screen, MemoEditor)
        await pilot.press("end", "!", "ctrl+s")

    run_app(project, scenario)
    (made,) = stored(project, coder=CODER)
    store = Store.open(project)
    try:
        memos = coding.memos_for(store, "coding", made.id)
    finally:
        store.close()
    assert [m.text for m in memos] == ["stark!"]


def test_a_memo_without_a_coding_goes_on_the_document(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("m")
        await pilot.press(*"om", "ctrl+s")

    run_app(project, scenario)
    store = Store.open(project)
    try:
        assert [m.text for m in coding.memos_for(store, "document", 1)] == ["om"]
    finally:
        store.close()


# ------------------------------------------------------------ search, retrieve


def test_search_jumps_to_a_hit_and_next_hit_goes_on(project: Path) -> None:
    store = Store.open(project)
    try:
        hits = retrieval.search(store, "skola", limit=200).hits
    finally:
        store.close()
    assert len(hits) > 2

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("n")
        assert "No search yet: press / to search." in notes(app)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"skola", "enter")
        await pilot.press("down", "enter")
        assert isinstance(app.screen, MainScreen)
        reader = screen.reader
        assert screen.document_id == hits[1].document_id
        assert reader.selection is not None
        assert (reader.selection.start, reader.selection.end) == (hits[1].start, hits[1].end)
        assert reader.cursor_span().start <= hits[1].start < reader.cursor_span().end
        await pilot.press("n")
        assert screen.document_id == hits[2].document_id
        assert (reader.selection.start, reader.selection.end) == (hits[2].start, hits[2].end)

    run_app(project, scenario)


def test_search_into_another_document(project: Path) -> None:
    store = Store.open(project)
    try:
        hits = [h for h in retrieval.search(store, "rektor", limit=200).hits if h.document_id != 1]
    finally:
        store.close()
    target = hits[0]

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("slash", *"rektor", "enter")
        options = app.screen.query_one("#search-results")
        index = next(i for i, h in enumerate(app.screen.hits) if h == target)
        options.highlighted = index
        await pilot.press("enter")
        assert screen.document_id == target.document_id
        assert screen.reader.document is not None
        assert screen.reader.document.summary.id == target.document_id
        span = screen.reader.cursor_span()
        assert span.start <= target.start < span.end
        assert app.focused is screen.reader

    run_app(project, scenario)


def test_retrieve_lists_passages_and_enter_jumps(project: Path) -> None:
    store = Store.open(project)
    try:
        passages = retrieval.retrieve(store, "lc.tight", limit=500).passages
    finally:
        store.close()
    first = passages[0]

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, RetrievalScreen)
        await pilot.press(*"lc.tight", "enter")
        assert len(app.screen.passages) == len(passages)
        await pilot.press("enter")
        assert isinstance(app.screen, MainScreen)
        assert screen.document_id == first.document_id
        reader = screen.reader
        assert reader.selection is not None
        assert (reader.selection.start, reader.selection.end) == (first.start, first.end)

    run_app(project, scenario)


def test_retrieve_starts_from_the_code_under_the_cursor(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("t", "ctrl+r")
        screen = app.screen
        assert isinstance(screen, RetrievalScreen)
        assert screen.query_one("#retrieve-code").value == "lc.tight"
        assert any(p.coder == CODER for p in screen.passages)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

    run_app(project, scenario)


def test_retrieve_with_an_unknown_code_says_so(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("ctrl+r", *"no.such.code", "enter")
        assert isinstance(app.screen, RetrievalScreen)
        assert any(n.severity == "error" and n.title == "Retrieve" for n in app._notifications)

    run_app(project, scenario)


# --------------------------------------------------- documents, codebooks, views


def test_choosing_a_document_in_the_list_opens_it(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.press("ctrl+o")
        assert isinstance(app.focused, DocumentList)
        await pilot.press("down", "enter")
        assert screen.reader.document is not None
        assert screen.reader.document.summary.name == "02_dialogledare"
        assert app.focused is screen.reader
        await pilot.press("t")

    run_app(project, scenario)
    (made,) = stored(project, coder=CODER)
    assert made.document_id == 2
    assert (made.start, made.end) == _sentence_spans(project, 2)[0]


def test_filtering_the_document_list(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await pilot.click("#document-filter")
        await pilot.press(*"level=owner", "enter")
        documents = screen.query_one(DocumentList)
        assert documents.option_count == 1
        screen.query_one("#document-filter", Input).value = ""
        await pilot.press(*"level", "enter")  # not key=value
        assert any("not key=value" in m for m in notes(app))
        assert documents.option_count == len(DOCUMENTS)
        screen.query_one("#document-filter", Input).value = ""
        await pilot.press(*"level=nowhere", "enter")  # no such value: an empty list, and why
        assert documents.option_count == 0
        assert any(m.startswith("No document matches 'level=nowhere'.") for m in notes(app))

    run_app(project, scenario)


def test_ctrl_b_switches_the_active_codebook_and_its_shortcuts(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        tree = screen.query_one(CodeTree)
        assert "loose-coupling" in str(tree.root.label)
        await pilot.press("ctrl+b")
        assert "organisational-routines" in str(tree.root.label)
        await pilot.press("o")  # or.ostensive in the second codebook
        await pilot.press("ctrl+b", "ctrl+b")
        assert "loose-coupling" in str(tree.root.label)

    run_app(project, scenario)
    (made,) = stored(project, coder=CODER)
    assert code_key(project, made.code_id) == "or.ostensive"


def test_help_lists_keys_and_the_codebook_shortcuts(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        keys = dict(screen.bindings)
        assert keys["^r"] == "Retrieve" and keys["↓"] == "Next sentence" and keys["del / ⌫"] == "Remove"
        assert [c.key for c in screen.shortcuts] == ["lc.tight", "lc.loose", "lc.decoupling",
                                                      "lc.strengthened", "lc.bypassed"]
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

    run_app(project, scenario)


def test_refresh_sees_a_coding_made_by_another_process(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        assert reader.codings_at_cursor() == []
        start, end = reader.cursor_span().start, reader.cursor_span().end
        other = Store.open(project)
        try:
            coding.apply_code(other, 1, "lc.decoupling", "elsewhere", coding.Span(start, end))
        finally:
            other.close()
        assert reader.codings_at_cursor() == []  # not yet: the reader shows what it loaded
        await pilot.press("f5")
        shown = reader.codings_at_cursor()
        assert [(c.code_key, c.coder, c.start, c.end) for c in shown] == [
            ("lc.decoupling", "elsewhere", start, end)]
        assert "Reloaded from the project." in notes(app)
        assert reader.sentence == 0

    run_app(project, scenario)


def test_an_eighty_column_terminal_gets_the_narrow_layout(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        assert screen.has_class("-narrow")
        assert not screen.query_one("#sidebar").display  # F2 / F3 bring the panels back
        reader = screen.reader
        assert reader.layout_ is not None
        assert all(len(line.text) <= reader.layout_.width for line in reader.layout_.lines
                   if line.kind == "text")
        await pilot.press("down", "t")

    run_app(project, scenario, size=(80, 24))
    assert [(c.start, c.end) for c in stored(project, coder=CODER)] == [_sentence_spans(project)[1]]


def test_suggestions_accept_reject_and_next(project: Path) -> None:
    """The panel ranks codes for the passage; + codes it as suggested, - records a rejection."""
    from qualcode.services import suggestions
    from qualcode.tui.widgets.suggestion_panel import SuggestionPanel

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        screen = main_screen(app)
        await _until(pilot, lambda: screen.suggested is not None, "the first suggestions", timeout=180)
        panel = screen.query_one(SuggestionPanel).plain
        assert "Suggested" in panel and screen.suggested.suggestions[0].code_label in panel
        top = screen.suggested.suggestions[0]
        span = screen.reader.target_span()
        await pilot.press("plus")
        await pilot.pause()
        other = Store.open(project)
        try:
            made = [c for c in coding.list_codings(other) if c.origin.value == "suggestion-accepted"]
            verdicts_before = len(suggestions.feedback(other))
        finally:
            other.close()
        assert [(c.start, c.end, c.code_id) for c in made] == [(span.start, span.end, top.code_id)]
        await _until(pilot, lambda: screen.suggested is not None, "suggestions again", timeout=30)
        rejected = screen.suggested.suggestions[0]
        await pilot.press("minus")
        await pilot.pause()
        other = Store.open(project)
        try:
            verdicts = suggestions.feedback(other)
        finally:
            other.close()
        assert len(verdicts) == verdicts_before + 1
        assert (verdicts[-1].verdict, verdicts[-1].code_id) == ("rejected", rejected.code_id)
        before = screen.reader.cursor_offset
        await pilot.press("ctrl+n")
        await _until(pilot, lambda: screen.reader.cursor_offset != before, "a jump to the next passage",
                     timeout=60)
        assert screen.reader.cursor_offset > before

    run_app(project, scenario, suggest=True)


def test_clicking_text_moves_the_cursor_and_shift_click_selects(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        layout = reader.layout_
        assert layout is not None
        target = reader.document.sentences[3]
        row = layout.line_of(target.start) - int(reader.scroll_offset.y)
        column = target.start - layout.lines[layout.line_of(target.start)].start + 5
        await pilot.click(reader, offset=(column, row))
        await pilot.pause()
        assert reader.cursor_span().start == target.start and reader.selection is None
        end_sentence = reader.document.sentences[5]
        end_row = layout.line_of(end_sentence.end - 1) - int(reader.scroll_offset.y)
        end_column = end_sentence.end - 1 - layout.lines[layout.line_of(end_sentence.end - 1)].start + 5
        await pilot.click(reader, offset=(end_column, end_row), shift=True)
        await pilot.pause()
        assert reader.selection is not None
        assert (reader.selection.start, reader.selection.end) == (target.start, end_sentence.end)

    run_app(project, scenario)


def test_the_command_palette_finds_and_applies_a_code(project: Path) -> None:
    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        reader = main_screen(app).reader
        span = reader.target_span()
        await pilot.press("ctrl+p")
        await _until(pilot, lambda: app.screen is not main_screen_of(app), "the palette")
        await pilot.press(*"bypassed")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen again")
        await pilot.pause()
        other = Store.open(project)
        try:
            made = coding.list_codings(other, code="lc.bypassed", coder=CODER)
        finally:
            other.close()
        assert [(c.start, c.end) for c in made] == [(span.start, span.end)]

    def main_screen_of(app: QualcodeApp):  # type: ignore[no-untyped-def]
        return next(s for s in app.screen_stack if isinstance(s, MainScreen))

    run_app(project, scenario)


def test_search_finds_compounds_by_head_when_toggled(project: Path) -> None:
    store = Store.open(project)
    try:
        plain = retrieval.search(store, "dialog", limit=200).total
        by_head = retrieval.search(store, "dialog", limit=200, heads=True).total
    finally:
        store.close()
    assert by_head > plain  # the demo has "kvalitetsdialogerna" and its kin

    async def scenario(app: QualcodeApp, pilot: Pilot) -> None:
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"dialog", "enter")
        assert str(screen.query_one("#search-summary").render()).startswith(f"{plain} sentences")
        await pilot.press("escape")
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press("ctrl+t", *"dialog", "enter")
        assert str(screen.query_one("#search-summary").render()).startswith(f"{by_head} sentences")
        assert "compounds by their head" in str(screen.query_one("#search-title").render())

    run_app(project, scenario)
