"""Sets of documents and passages: made, changed, undone, and used as filters, on both backends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.cli.app import main
from qualcode.core.sets import Passage
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services import corpus, retrieval, sets, undo
from qualcode.services.project import open_project
from qualcode.services.words import Selection, frequencies, in_sets
from qualcode.storage import migrate
from qualcode.storage.engine import locate, make_engine
from qualcode.storage.store import Store

from . import sets_support
from .sets_support import db_of

FIXTURES = Path(__file__).parent / "fixtures"


schools = sets_support.schools  # the fixture


def _rows(page: retrieval.RetrievalPage) -> list[tuple[str, int, int, str]]:
    return [(p.document_name, p.start, p.end, p.text) for p in page.passages]


def test_a_document_set_filters_like_the_same_doc_filter(schools: Store) -> None:
    chosen = ["skola2_rektorer", "skola4_rektorer"]
    made = sets.create(schools, "two schools", "documents", documents=chosen, coder="anna")
    assert made.size == 2
    scope = sets.scope(schools, ["two schools"])
    by_set = retrieval.retrieve(schools, "dialogue", documents=scope.documents)
    by_doc = retrieval.retrieve(schools, "dialogue", documents=chosen)
    assert _rows(by_set) == _rows(by_doc) and by_set.total == 6
    assert _rows(by_set) != _rows(retrieval.retrieve(schools, "dialogue"))
    found = retrieval.search(schools, "siffrorna", documents=scope.documents)
    assert {h.document_name for h in found.hits} == set(chosen)
    # --doc and --set together: the documents in both.
    assert sets.scope(schools, ["two schools"], ["skola4_rektorer"]).documents == ["skola4_rektorer"]
    # Word lists take the set through their selection.
    words = frequencies(schools, Selection(documents=tuple(scope.documents or ())), limit=None)
    school_words = frequencies(schools, Selection({"school": ["skola 2", "skola 4"]}), limit=None)
    assert words.total_words == school_words.total_words and words.words == school_words.words


def test_a_set_by_attribute_holds_the_matching_documents(schools: Store) -> None:
    made = sets.create(schools, "skola 3", "documents", attributes={"school": ["skola 3", "skola 4"]})
    names = {m.document for m in sets.members(schools, made.name)[1]}
    assert names == {"skola3_rektorer", "skola4_rektorer"}
    with pytest.raises(QualcodeError, match="no document has the attribute 'region'"):
        sets.create(schools, "none", "documents", attributes={"region": ["north"]})
    with pytest.raises(QualcodeError, match="No document has school=skola 9"):
        sets.create(schools, "none", "documents", attributes={"school": ["skola 9"]})


def test_a_passage_set_keeps_retrieval_and_search_to_its_passages(schools: Store) -> None:
    doc = next(d for d in corpus.list_documents(schools) if d.name == "skola3_rektorer")
    text = corpus.view_document(schools, doc.name).text
    start = text.index("Lärarna ser")
    made = sets.create(schools, "teachers", "passages", passages=[Passage(doc.id, start, start + 5)])
    scope = sets.scope(schools, [made.name], passages=True)
    assert scope.documents == ["skola3_rektorer"] and scope.passage_set_ids == [made.id]
    page = retrieval.retrieve(schools, "dialogue", documents=scope.documents, passage_set_ids=scope.passage_set_ids)
    assert [p.text for p in page.passages] == ["Lärarna ser sällan underlagen."] and page.total == 1
    hits = retrieval.search(schools, "lärarna", documents=scope.documents, passage_set_ids=scope.passage_set_ids)
    assert hits.total == 1 and hits.hits[0].document_name == "skola3_rektorer"
    assert retrieval.search(schools, "siffrorna", passage_set_ids=scope.passage_set_ids).total == 0
    # The word analyses count the passage's words; commands that filter whole
    # documents refuse a passage set, saying why.
    sets.create(schools, "teachers' words", "passages",
                passages=[Passage(doc.id, start, start + len("Lärarna ser sällan und"))])
    counted = frequencies(schools, in_sets(schools, Selection(), ["teachers' words"]), lemma=False,
                          keep_stop_words=True)
    assert counted.total_words == 3  # "underlagen" is cut by the passage's edge: not one of its words
    assert {w.word for w in counted.words} == {"lärarna", "ser", "sällan"}
    with pytest.raises(QualcodeError, match="No words match"):  # "Lärar": no whole word inside
        frequencies(schools, in_sets(schools, Selection(), [made.name]))
    with pytest.raises(QualcodeError, match="holds passages; compare filters whole documents"):
        sets.scope(schools, [made.name], command="compare")
    with pytest.raises(QualcodeError, match="outside document"):
        sets.create(schools, "bad", "passages", passages=[Passage(doc.id, 0, len(text) + 1)])


def test_deleting_a_document_takes_it_out_of_every_set(schools: Store) -> None:
    docs = {d.name: d.id for d in corpus.list_documents(schools)}
    sets.create(schools, "all", "documents", documents=list(docs))
    sets.create(schools, "spans", "passages", passages=[Passage(docs["skola3_rektorer"], 0, 10),
                                                        Passage(docs["skola2_rektorer"], 0, 10)])
    with schools.unit_of_work() as uow:
        uow.documents.delete(docs["skola3_rektorer"])
    assert set(sets.get(schools, "all").document_ids) == {docs["skola2_rektorer"], docs["skola4_rektorer"]}
    assert [p.document_id for p in sets.get(schools, "spans").passages] == [docs["skola2_rektorer"]]


def test_set_changes_are_undone_one_by_one(schools: Store) -> None:
    sets.create(schools, "mine", "documents", documents=["skola2_rektorer"], coder="anna")
    sets.change(schools, "mine", add_documents=["skola3_rektorer"], coder="anna")
    assert len(sets.get(schools, "mine").document_ids) == 2
    sets.delete(schools, "mine", coder="anna")
    with pytest.raises(NotFoundError):
        sets.get(schools, "mine")
    assert "restored with 2 members" in undo.undo_last(schools, "anna")
    assert len(sets.get(schools, "mine").document_ids) == 2
    assert "undone" in undo.undo_last(schools, "anna")
    assert [m.document for m in sets.members(schools, "mine")[1]] == ["skola2_rektorer"]
    assert "deleted again" in undo.undo_last(schools, "anna")
    assert sets.list_sets(schools) == []


def test_undo_of_a_set_that_someone_changed_since_is_refused(schools: Store) -> None:
    sets.create(schools, "shared", "documents", documents=["skola2_rektorer"], coder="anna")
    sets.change(schools, "shared", add_documents=["skola4_rektorer"], coder="bo")
    with pytest.raises(QualcodeError, match="bo changed it since"):
        undo.undo_last(schools, "anna")
    assert len(sets.get(schools, "shared").document_ids) == 2


def test_name_clashes_and_unknown_names_are_explained(schools: Store) -> None:
    sets.create(schools, "a", "documents", documents=["skola2_rektorer"])
    with pytest.raises(QualcodeError, match="A set named 'a' exists already") as clash:
        sets.create(schools, "a", "documents", documents=["skola3_rektorer"])
    assert "qualcode set add a" in (clash.value.hint or "")
    with pytest.raises(NotFoundError, match=r"No set 'b' in this project \(sets: a\)"):
        sets.scope(schools, ["b"])
    with pytest.raises(QualcodeError, match="No document given with --doc is in the set"):
        sets.scope(schools, ["a"], ["skola3_rektorer"])
    sets.create(schools, "empty", "documents")
    with pytest.raises(QualcodeError, match="'empty' is empty"):
        sets.scope(schools, ["empty"])
    with pytest.raises(QualcodeError, match="cannot start with '-'"):
        sets.create(schools, "--doc", "documents")


def test_set_commands_and_the_set_filter_of_every_command(schools: Store, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    import json

    db = ["--db", db_of(schools)]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, *db])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("set", "create", "pair", "--doc", "skola2_rektorer", "--doc", "skola3_rektorer",
               "--coder", "anna")[0] == 0
    same = ["--doc", "skola2_rektorer", "--doc", "skola3_rektorer"]
    for command in (["retrieve", "dialogue"], ["search", "siffrorna"],
                    ["compare", "-c", "steering", "--by", "school"], ["cooccur", "-c", "steering"]):
        code, by_set, err = run(*command, "--set", "pair", "--json")
        assert code == 0, err
        assert json.loads(by_set) == json.loads(run(*command, *same, "--json")[1]), command
    # Word lists, concordances and keyness have no --doc: the same documents by attribute.
    schools_attr = ["--attr", "school=skola 2", "--attr", "school=skola 3"]
    for command in (["words"], ["kwic", "siffrorna"], ["keyness", "--by", "school", "--a", "skola 2",
                                                        "--b", "skola 3", "--min-freq", "1"]):
        code, by_set, err = run(*command, "--set", "pair", "--json")
        assert code == 0, err
        described = json.loads(by_set)
        assert described.pop("selection", "2 documents") == "2 documents"  # the words' selection says how
        by_attr = json.loads(run(*command, *schools_attr, "--json")[1])
        by_attr.pop("selection", None)
        assert described == by_attr, command
    sets_support.code(schools, "skola3_rektorer", sets_support.PHRASES[1], coder="bo")
    agreement = ["agreement", "--coders", "anna,bo", "--resamples", "0", "--json"]
    code, by_set, err = run(*agreement, "--set", "pair")
    assert code == 0, err
    reports = [json.loads(by_set)["report"], json.loads(run(*agreement, *same)[1])["report"]]
    for report in reports:
        report.pop("created_at")
    assert reports[0] == reports[1]
    everything = json.loads(run("retrieve", "dialogue", "--json")[1])
    assert json.loads(run("retrieve", "dialogue", "--set", "pair", "--json")[1])["total"] < everything["total"]
    code, listed, _ = run("set", "list", "--json")
    assert code == 0 and json.loads(listed) == [
        {"name": "pair", "kind": "documents", "size": 2, "documents": 2, "description": ""}]
    out = tmp_path / "pair.csv"
    assert run("set", "export", "pair", str(out))[0] == 0
    assert out.read_text(encoding="utf-8").splitlines()[1:] == [
        f"{d},{n}" for d, n in sorted((m.document_id, m.document) for m in sets.members(schools, "pair")[1])]
    code, _, err = run("set", "export", "pair", str(out))
    assert code != 0 and "--force" in err
    code, _, err = run("set", "delete", "pair")
    assert code != 0 and "needs --force" in err
    code, _, err = run("retrieve", "dialogue", "--set", "nosuch")
    assert code != 0 and "No set 'nosuch'" in err and "Traceback" not in err
    assert run("set", "delete", "pair", "--force", "--coder", "anna")[0] == 0
    assert sets.list_sets(schools) == []


def test_a_project_at_the_previous_revision_gets_the_tables(target: str, interview_files: tuple[Path, Path]) -> None:
    engine = make_engine(locate(target))
    try:
        migrate.upgrade(engine, "0018")
        assert migrate.current_revision(engine) == "0018"
    finally:
        engine.dispose()
    store = Store.open(target)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        doc, speakers = interview_files
        corpus.import_paths(store, [doc], speaker_map=speakers)
        (summary,) = corpus.list_documents(store)
        sets.create(store, "one", "documents", documents=[summary.name])
        sets.create(store, "span", "passages", passages=[Passage(summary.id, 0, 5)])
        with store.unit_of_work() as uow:
            uow.documents.delete(summary.id)
        assert sets.get(store, "one").document_ids == () and sets.get(store, "span").passages == ()
    finally:
        store.close()


def test_a_first_schema_project_is_upgraded_and_takes_sets(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    store = open_project(path)
    try:
        (doc,) = corpus.list_documents(store)
        made = sets.create(store, "old", "documents", documents=[doc.name])
        assert made.document_ids == (doc.id,)
        assert retrieval.retrieve(store, "steering:dialogue", documents=sets.scope(store, ["old"]).documents).total \
            == retrieval.retrieve(store, "steering:dialogue").total
    finally:
        store.close()


def test_the_workbench_filters_by_a_set_and_saves_a_retrieval(schools: Store,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot: ``set=NAME`` in the document filter and in the retrieval's filters; Ctrl+S
    in the retrieval keeps it as a saved query that runs to the same passages."""
    if schools.location.path is None:
        pytest.skip("the workbench runs once, on the SQLite project")
    import asyncio

    from textual.widgets import Input

    from qualcode.services import queries
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.main import MainScreen
    from qualcode.tui.screens.name_prompt import NamePrompt
    from qualcode.tui.screens.retrieval import RetrievalScreen
    from qualcode.tui.screens.search import SearchScreen
    from qualcode.tui.widgets.document_list import DocumentList

    from .tui_support import settle, until

    monkeypatch.setenv("USER", "tui-test")
    sets.create(schools, "pair", "documents", documents=["skola2_rektorer", "skola4_rektorer"], coder="anna")
    expected = retrieval.retrieve(schools, "dialogue", documents=["skola2_rektorer", "skola4_rektorer"])

    async def drive() -> None:
        app = QualcodeApp(str(schools.location.path), coder="anna", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
            screen = app.screen
            screen.query_one("#document-filter", Input).focus()
            await pilot.press(*"set=pair", "enter")
            await pilot.pause()
            shown = screen.query_one(DocumentList)
            assert shown.option_count == 2
            await pilot.press("ctrl+r")
            assert isinstance(app.screen, RetrievalScreen)
            dialog = app.screen
            dialog.query_one("#retrieve-code", Input).value = "dialogue"
            dialog.query_one("#retrieve-filters", Input).value = "set=pair"
            dialog.query_one("#retrieve-code", Input).focus()
            await pilot.press("enter")
            assert [(p.document_name, p.start) for p in dialog.passages] == [
                (p.document_name, p.start) for p in expected.passages]
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, NamePrompt), "the name prompt")
            await pilot.press(*"pair dialogue", "enter")
            await until(pilot, lambda: isinstance(app.screen, RetrievalScreen), "the retrieval again")
            dialog.query_one("#retrieve-filters", Input).value = "set=nosuch"
            dialog.query_one("#retrieve-code", Input).focus()
            await pilot.press("enter")
            assert any(n.severity == "error" and "No set 'nosuch'" in n.message for n in app._notifications)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen again")
            screen.reader.focus()
            await pilot.press("slash")
            await until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search")
            await pilot.press(*"siffrorna", "enter")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, NamePrompt), "the name prompt")
            await pilot.press(*"numbers", "enter")
            await until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search again")

    asyncio.run(drive())
    saved = queries.get(schools, "pair dialogue")
    assert saved.kind == "retrieve" and saved.args == ("dialogue", "--set", "pair") and saved.created_by == "anna"
    searched = queries.get(schools, "numbers")
    assert searched.kind == "search" and searched.args == ("siffrorna", "--limit", "200")
