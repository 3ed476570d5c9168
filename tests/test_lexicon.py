"""Lemmas, compound heads, stop words and fillers as imports, searches and topics use
them; a project's own lists; the re-index of projects made with an older lemmatizer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.analysis.lemmas import HEAD_MARK, LEMMATIZER_VERSION
from qualcode.analysis.wordlists import word_lists
from qualcode.errors import QualcodeError
from qualcode.services import corpus, retrieval
from qualcode.services import lemmas as service
from qualcode.services.project import create_project, open_project
from qualcode.storage.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "sbs-demo"
NON_WORDS = {"toga", "stola", "saka", "fela", "klyva", "ho"}
TRANSCRIPT = """Intervjuare: Hur gick kvalitetsdialogerna?

Rektor: Vi tog upp frågan i rektorsgruppen, men jag fick ingen plats i dialogen.

Rektor: Det var liksom fel tid, eh, alltså i våras.
"""


def test_the_issues_examples_get_their_lemmas() -> None:
    found = service.lemmatizer("sv").lookup(["tog", "fick", "fel", "skolorna", "kvalitetsdialogerna", "togs"])
    assert {w: found.get(w) for w in found if w in {"tog", "fick", "fel", "skolorna", "togs"}} == {
        "tog": "ta", "fick": "få", "fel": "fel", "skolorna": "skola", "togs": "ta"}
    assert found["kvalitetsdialogerna"] == "kvalitetsdialog"
    english = service.lemmatizer("en").lookup(["went", "children", "meetings"])
    assert (english["went"], english["children"], english["meetings"]) == ("go", "child", "meeting")


def test_compounds_are_split_at_the_longest_known_head_with_linking_letters() -> None:
    lemmatizer = service.lemmatizer("sv")
    words = ["kvalitetsdialogerna", "rektorsgruppen", "skolutvecklingen", "qwertzdialogen", "dialogen"]
    lemmas, heads = lemmatizer.lookup(words), lemmatizer.heads(words)
    assert lemmas["kvalitetsdialogerna"] == "kvalitetsdialog" and heads["kvalitetsdialogerna"] == "dialog"
    assert lemmas["rektorsgruppen"] == "rektorsgrupp" and heads["rektorsgruppen"] == "grupp"  # linking -s-
    assert heads.get("skolutvecklingen", "utveckling") == "utveckling"  # skol(a)-: known or split right
    assert "qwertzdialogen" not in heads  # an unknown first part: no compound
    assert "dialogen" not in heads and lemmas["dialogen"] == "dialog"  # a known word is not split
    # English words are never split
    assert not service.lemmatizer("en").heads(["schoolteachers", "headteacher"])


def test_lookups_ask_only_for_new_words() -> None:
    calls: list[set[str]] = []

    class Counting:
        def lookup(self, words):  # type: ignore[no-untyped-def]
            calls.append(set(words))
            return {"skolan": "skola"}

    from qualcode.analysis.lemmas import Lemmatizer

    lemmatizer = Lemmatizer("sv", [Counting()], compounds=False)
    assert lemmatizer.lookup(["skolan", "skolan", "och"]).get("skolan") == "skola"
    lemmatizer.lookup(["skolan", "och"])
    assert calls == [{"skolan", "och"}]  # the second call found everything it had met


def test_stop_words_and_fillers() -> None:
    swedish = word_lists("sv")
    assert {"är", "och", "att"} <= swedish.stop_words
    assert {"eh", "öh", "alltså", "liksom", "ju", "typ", "mm"} <= swedish.fillers
    english = word_lists("en")
    assert {"um", "uh", "like", "you know"} <= english.fillers
    tokens = ["you", "know", "i", "know", "it", "um", "like", "you", "know"]
    assert english.without_fillers(tokens) == ["i", "know", "it"]  # "know" alone stays
    changed = word_lists("sv", added=[("stop", "skola")], removed=[("filler", "typ")])
    assert "skola" in changed.stop_words and "typ" not in changed.fillers


def test_demo_topic_terms_hold_no_non_words() -> None:
    texts = [p.read_text(encoding="utf-8").partition("\n---\n")[2] for p in sorted(DEMO.glob("[0-9]*.md"))]
    lexicon = service.Lexicon({}, {}, {})
    tokenizer = service.topic_tokenizer(lexicon, "sv", texts)
    vocabulary = {term for text in texts for term in tokenizer(text)}
    assert not vocabulary & NON_WORDS
    assert {"kvalitetsdialog", "skola", "rektor"} <= vocabulary
    assert not vocabulary & {"är", "alltså", "liksom", "eh"}
    # spaCy's table alone, as qualcode looked lemmas up before, made them: the check can fail
    words = {w for t in texts for w in re.findall(r"\w+", t.lower())}
    before = service.table("spacy", "sv").lookup(words)
    assert {before[w] for w in words if w in before} & NON_WORDS


def _import(store: Store, tmp_path: Path, text: str = TRANSCRIPT, name: str = "intervju.md") -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = corpus.import_paths(store, [path], language="sv")
    assert not report.failed, report.failed


def test_search_finds_compounds_by_head_only_when_asked(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    assert retrieval.search(store, "dialog").total == 1  # "dialogen"
    assert retrieval.search(store, "dialog", heads=True).total == 2  # and "kvalitetsdialogerna"
    assert retrieval.search(store, "grupp", heads=True).total == 1 and retrieval.search(store, "grupp").total == 0
    assert retrieval.search(store, "kvalitetsdialog").total == 1
    assert retrieval.search(store, "0").total == 0  # a number does not match every head
    assert retrieval.search(store, HEAD_MARK[:2]).total == 0
    # stop words and fillers are for counting, never for search
    assert retrieval.search(store, "liksom").total == 1 and retrieval.search(store, "eh").total == 1


def test_a_projects_own_lemma_reaches_search_and_new_imports(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    assert retrieval.search(store, "skolledare").total == 0
    assert service.set_lemma(store, "sv", "Rektorsgruppen", "skolledare") == 1
    assert retrieval.search(store, "skolledare").total == 1
    _import(store, tmp_path, TRANSCRIPT.replace("kvalitetsdialogerna", "dialogerna"), "andra.md")
    assert retrieval.search(store, "skolledare").total == 2  # the new document has it too
    assert service.list_words(store, "lemma", "sv").added == ["rektorsgruppen=skolledare"]
    service.unset_lemma(store, "sv", "rektorsgruppen")
    assert retrieval.search(store, "skolledare").total == 0
    with pytest.raises(QualcodeError, match="no lemma of its own"):
        service.unset_lemma(store, "sv", "rektorsgruppen")
    with pytest.raises(QualcodeError, match="one word"):
        service.set_lemma(store, "sv", "två ord", "x")


def test_a_projects_lists_change_topic_terms(store: Store) -> None:
    service.add_words(store, "stop", "sv", ["Skola"])
    service.remove_words(store, "filler", "sv", ["typ"])
    lists = service.project_word_lists(store, "sv")
    assert "skola" in lists.stop_words and "typ" not in lists.fillers
    tokenizer = service.topic_tokenizer(service.project_lexicon(store), "sv", ["skolorna typ rektorerna"])
    assert tokenizer("skolorna typ rektorerna") == ["typ", "rektor"]
    with pytest.raises(QualcodeError, match="no word list"):
        service.add_words(store, "lemma", "sv", ["x"])
    with pytest.raises(QualcodeError, match="no word lists"):
        service.add_words(store, "stop", "fi", ["x"])


def test_an_index_made_by_an_older_lemmatizer_is_rebuilt_on_open(target: str, tmp_path: Path) -> None:
    store = create_project(target) if "://" in target else create_project(tmp_path / "p.qualcode")
    location = target if "://" in target else str(tmp_path / "p.qualcode")
    try:
        _import(store, tmp_path)
        with store.unit_of_work() as uow:  # as a project from before: words only, no version
            for (segment_id, document_id, terms) in uow.session.connection().exec_driver_sql(
                    "SELECT segment_id, document_id, terms FROM search_text").fetchall():
                uow.search.replace_document_terms(document_id, [(segment_id, " ".join(
                    t for t in terms.split() if not t.startswith(HEAD_MARK)))])
            uow.search.index_pending()
            uow.session.connection().exec_driver_sql("DELETE FROM settings WHERE key = 'search.lemmatizer'")
        assert retrieval.search(store, "grupp", heads=True).total == 0
    finally:
        store.close()
    seen: list[tuple[int, int]] = []
    store = open_project(location, progress=lambda done, total, label: seen.append((done, total)))
    try:
        assert seen[-1] == (1, 1)
        assert retrieval.search(store, "grupp", heads=True).total == 1
        assert service.index_is_current(store)
    finally:
        store.close()


def test_the_first_schema_project_is_reindexed(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    seen: list[int] = []
    store = open_project(path, progress=lambda done, total, label: seen.append(total))
    try:
        assert seen and seen[-1] == 1 and service.index_is_current(store)
        with store.unit_of_work() as uow:
            assert uow.settings.get(service.INDEX_SETTING) == LEMMATIZER_VERSION
    finally:
        store.close()
    store = open_project(path, progress=lambda done, total, label: seen.append(-1))
    store.close()
    assert -1 not in seen  # once is enough


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")  # the installed console script
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


def test_lexicon_commands_in_the_installed_script(tmp_path: Path) -> None:
    store = create_project(tmp_path / "p.qualcode")
    _import(store, tmp_path)
    store.close()
    db = ["--db", str(tmp_path / "p.qualcode")]
    assert _qualcode("lexicon", "add", "stop", "rektor", "--language", "sv", *db, cwd=tmp_path).returncode == 0
    listed = _qualcode("lexicon", "list", "stop", "--json", *db, cwd=tmp_path)
    assert listed.returncode == 0 and json.loads(listed.stdout)["added"] == ["rektor"]
    assert "är" in json.loads(listed.stdout)["words"]
    assert _qualcode("lexicon", "remove", "filler", "typ", *db, cwd=tmp_path).returncode == 0
    fillers = json.loads(_qualcode("lexicon", "list", "filler", "--json", *db, cwd=tmp_path).stdout)
    assert "typ" not in fillers["words"] and fillers["removed"] == ["typ"]
    assert _qualcode("lexicon", "add", "lemma", "dialogen=samtal", "-q", *db, cwd=tmp_path).returncode == 0
    found = json.loads(_qualcode("search", "samtal", "--json", *db, cwd=tmp_path).stdout)
    assert found["total"] == 1
    heads = json.loads(_qualcode("search", "dialog", "--heads", "--json", *db, cwd=tmp_path).stdout)
    assert heads["total"] == 2  # "dialogen", and "kvalitetsdialogerna" by its head
    assert json.loads(_qualcode("search", "dialog", "--json", *db, cwd=tmp_path).stdout)["total"] == 1
    shown = _qualcode("lexicon", "lemmatize", "kvalitetsdialogerna", "tog", *db, cwd=tmp_path)
    assert "kvalitetsdialog" in shown.stdout and "head: dialog" in shown.stdout and "tog -> ta" in shown.stdout
    assert "Re-indexed 1 documents" in _qualcode("lexicon", "reindex", *db, cwd=tmp_path).stdout
    bad = _qualcode("lexicon", "add", "nonsense", "x", *db, cwd=tmp_path)
    assert bad.returncode != 0 and "no word list 'nonsense'" in bad.stderr and "Traceback" not in bad.stderr
    bad = _qualcode("lexicon", "add", "lemma", "togs", *db, cwd=tmp_path)
    assert bad.returncode != 0 and "FORM=LEMMA" in bad.stderr and "Traceback" not in bad.stderr
