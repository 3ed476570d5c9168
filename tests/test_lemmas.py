"""Lemma lookups through the cached copy of spaCy's tables give what the tables give."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import pytest

from qualcode.analysis import lemmas as lemma_module
from qualcode.analysis.lemmas import Lemmas, lemma_table

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
    lookups = Lemmas(language)
    found = lookups.lookup(sample)
    assert {word: found.get(word) for word in sample} == {word: table.get(word) for word in sample}
    assert found.get("gick" if language == "sv" else "went") is not None  # the irregular forms are there
    assert len(found) < len(table) / 10  # only what was asked for was read
    (copy,) = os.listdir(cache)  # no temporary file left behind
    assert copy.startswith(f"lemmas-{language}-") and copy.endswith(".sqlite")


def test_the_copy_is_made_once_and_then_read(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Lemmas("sv").lookup(["skolan"])
    (made,) = cache.iterdir()
    stamp = made.stat().st_mtime_ns

    def no_table(language: str) -> dict[str, str]:
        raise AssertionError("the whole table was read although a copy exists")

    monkeypatch.setattr(lemma_module, "lemma_table", no_table)
    assert Lemmas("sv").lookup(["skolorna"]).get("skolorna") == "skola"
    assert made.stat().st_mtime_ns == stamp and list(cache.iterdir()) == [made]


def test_an_unusable_cache_path_falls_back_to_the_whole_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("QUALCODE_CACHE", str(blocker / "cache"))
    found = Lemmas("sv").lookup(["skolorna", "gick"])
    assert found.get("skolorna") == "skola" and found is lemma_table("sv")


def _lookup_in_child(lookups: Lemmas, queue) -> None:  # type: ignore[no-untyped-def]
    lemma = lookups.lookup(["rektorer"]).get("rektorer")
    queue.put((lemma, lookups._connected_in == os.getpid()))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork")
def test_a_forked_process_opens_its_own_connection(cache: Path) -> None:
    lookups = Lemmas("sv")
    lookups.lookup(["skolan"])  # the parent's connection is open
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_lookup_in_child, args=(lookups, queue))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == (lemma_table("sv").get("rektorer"), True)
