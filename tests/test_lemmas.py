"""Lemma lookups through the cached copy of spaCy's tables give what the tables give."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import pytest

from qualcode.analysis.lemmas import lemma_source, lemma_table
from qualcode.storage.lemma_cache import LemmaCache


def lookups_for(language: str) -> LemmaCache:
    return LemmaCache(lemma_source(language), lambda: lemma_table(language))


WORDS = ["skolorna", "skolan", "gick", "bättre", "rektorer", "och", "inget_sådant_ord", "Skolan", "", "ran",
         "children", "went", "qualcode"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("QUALCODE_CACHE", str(folder))
    return folder


@pytest.mark.parametrize("language", ["sv", "en"])
def test_lookups_give_what_the_whole_table_gives(cache: Path, language: str) -> None:
    table = lemma_table(language)
    sample = WORDS + list(table)[::5000]  # words spread over the whole table
    lookups = lookups_for(language)
    found = lookups.lookup(sample)
    assert {word: found.get(word) for word in sample} == {word: table.get(word) for word in sample}
    assert found.get("gick" if language == "sv" else "went") is not None  # the irregular forms are there
    assert len(found) < len(table) / 10  # only what was asked for was read
    (copy,) = os.listdir(cache)  # no temporary file left behind
    assert copy.startswith(f"{language}_lemma_lookup-") and copy.endswith(".sqlite")


def test_the_copy_is_made_once_and_then_read(cache: Path) -> None:
    lookups_for("sv").lookup(["skolan"])
    (made,) = cache.iterdir()
    stamp = made.stat().st_mtime_ns

    def no_table() -> dict[str, str]:
        raise AssertionError("the whole table was read although a copy exists")

    assert LemmaCache(lemma_source("sv"), no_table).lookup(["skolorna"]).get("skolorna") == "skola"
    assert made.stat().st_mtime_ns == stamp and list(cache.iterdir()) == [made]


def test_an_unusable_cache_path_falls_back_to_the_whole_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("QUALCODE_CACHE", str(blocker / "cache"))
    found = lookups_for("sv").lookup(["skolorna", "gick"])
    assert found.get("skolorna") == "skola" and found is lemma_table("sv")


def test_an_unreadable_copy_falls_back_to_the_whole_table(cache: Path) -> None:
    lookups_for("sv").lookup(["skolan"])
    (made,) = cache.iterdir()
    made.write_bytes(b"not a database at all" * 100)
    found = lookups_for("sv").lookup(["skolorna", "gick"])
    assert found.get("skolorna") == "skola" and found is lemma_table("sv")


def _lookup_in_child(lookups: LemmaCache, queue) -> None:  # type: ignore[no-untyped-def]
    lemma = lookups.lookup(["rektorer"]).get("rektorer")
    queue.put((lemma, lookups._connected_in == os.getpid()))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork")
def test_a_forked_process_opens_its_own_connection(cache: Path) -> None:
    lookups = lookups_for("sv")
    lookups.lookup(["skolan"])  # the parent's connection is open
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_lookup_in_child, args=(lookups, queue))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == (lemma_table("sv").get("rektorer"), True)


def test_a_language_without_a_table_finds_nothing(cache: Path) -> None:
    assert LemmaCache(None, dict).lookup(["skolorna"]) == {}
    assert not cache.exists()


def test_simplemmas_copy_gives_what_its_table_gives(cache: Path) -> None:
    from qualcode.analysis.lemmas import read_table, table_source

    table = read_table("simplemma", "sv")
    sample = WORDS + list(table)[::20000]
    lookups = LemmaCache(table_source("simplemma", "sv"), lambda: read_table("simplemma", "sv"),
                         name="sv_simplemma", version="test")
    found = lookups.lookup(sample)
    assert {word: found.get(word) for word in sample} == {word: table.get(word) for word in sample}
    more = lookups.lookup(["tog", "dialog"])
    assert more.get("tog") == "ta" and more.get("dialog") == "dialog"  # lemmas are known as themselves
    assert all(word == word.lower() and lemma == lemma.lower() for word, lemma in found.items())
    (copy,) = os.listdir(cache)
    assert copy.startswith("sv_simplemma-")
