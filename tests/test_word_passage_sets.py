"""Word frequencies, keywords in context, keyness and collocations kept to a passage
set (SQLite and PostgreSQL): the counts against a count made here on the passages'
text, tokenised as the word index tokenises, windows that stop at a passage's edge,
and the installed script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from qualcode.core.sets import Passage
from qualcode.errors import QualcodeError
from qualcode.services import collocations, corpus, sets, words
from qualcode.services.words import Selection
from qualcode.storage.store import Store

from .conftest import SPEAKERS

# As the word index reads a running word: at least one letter (services/words.py).
RUNNING_WORD = re.compile(r"\w*[^\W\d_]\w*")

INTERVIEW = """---
title: Duplicated work
school: skola 5
level: school
---

Intervjuare: Hur ser arbetet ut?

Rektor: Vi gör dubbelarbete hela tiden. Samma rapport skrivs två gånger och ingen läser den.

Förstelärare: Dubbelarbete tar tid från eleverna. Rapporten skrivs om varje månad.

Rektor: Men systemet hjälper oss ibland.
"""


@pytest.fixture
def duplicated(store: Store, tmp_path: Path) -> Store:
    """One interview and a passage set 'dubbelarbete' of three passages: two that touch
    (nothing but a space between them) and one whose start cuts a word in two."""
    path = tmp_path / "skola5_dubbelarbete.md"
    path.write_text(INTERVIEW, encoding="utf-8")
    speakers = tmp_path / "speakers.yaml"
    speakers.write_text(SPEAKERS, encoding="utf-8")
    report = corpus.import_paths(store, [path], speaker_map=speakers)
    assert not report.failed, report.failed
    document = corpus.list_documents(store)[0]
    text = corpus.view_document(store, document.name).text
    first = text.index("Samma rapport")
    second = first + len("Samma rapport skrivs två gånger")
    cut = text.index("arbete tar")  # inside "Dubbelarbete": that word straddles the edge
    sets.create(store, "dubbelarbete", "passages", passages=[
        Passage(document.id, first, second),
        Passage(document.id, second, second + len(" och ingen läser den")),
        Passage(document.id, cut, cut + len("arbete tar tid från eleverna")),
    ])
    return store


def _by_hand(store: Store) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """The running words lying wholly inside a passage of the set, found on the text, and the passages."""
    named = sets.get(store, "dubbelarbete")
    text = corpus.view_document(store, corpus.list_documents(store)[0].name).text
    spans = [(p.start, p.end) for p in named.passages]
    inside = [(m.start(), m.end(), m.group().lower()) for m in RUNNING_WORD.finditer(text)
              if any(s <= m.start() and m.end() <= e for s, e in spans)]
    return inside, spans


def _selection(store: Store, **more: object) -> Selection:
    return words.in_sets(store, Selection(include_interviewer=True, **more), ["dubbelarbete"])  # type: ignore[arg-type]


def test_word_counts_are_those_of_the_passages(duplicated: Store) -> None:
    inside, _ = _by_hand(duplicated)
    expected = Counter(form for _, _, form in inside)
    assert "dubbelarbete" not in expected and "arbete" not in expected  # cut by the edge: not a word of it
    table = words.frequencies(duplicated, _selection(duplicated), lemma=False, keep_stop_words=True, limit=None)
    assert table.total_words == len(inside) == 13
    assert {w.word: w.count for w in table.words} == dict(expected)
    assert "passages of 1 set" in table.selection
    everything = words.frequencies(duplicated, Selection(include_interviewer=True), lemma=False, limit=None)
    assert everything.total_words > table.total_words and "rapporten" in {w.word for w in everything.words}


def test_keyness_groups_count_only_the_passages(duplicated: Store) -> None:
    inside, _ = _by_hand(duplicated)
    text = corpus.view_document(duplicated, corpus.list_documents(duplicated)[0].name).text
    lead_turn = text.index("Förstelärare:")
    head = [w for w in inside if w[0] < lead_turn]
    lead = [w for w in inside if w[0] > lead_turn]
    table = words.keyness(duplicated, "role", "rektor", "förstelärare", _selection(duplicated), lemma=False,
                          min_freq=1, correction="none", limit=None)
    assert (table.total_a, table.total_b) == (len(head), len(lead)) == (9, 4)
    assert {k.word for k in table.words} <= {form for _, _, form in inside}


def _report_set(store: Store) -> None:
    """A second passage set, 'rapporten': the lead teacher's sentence about the monthly report."""
    document = corpus.list_documents(store)[0]
    text = corpus.view_document(store, document.name).text
    start = text.index("Rapporten skrivs")
    sets.create(store, "rapporten", "passages",
                passages=[Passage(document.id, start, start + len("Rapporten skrivs om varje månad."))])


def test_keyness_sets_a_passage_set_against_another_set(duplicated: Store) -> None:
    inside, _ = _by_hand(duplicated)
    document = corpus.list_documents(duplicated)[0]
    _report_set(duplicated)
    sets.create(duplicated, "hela", "documents", documents=[document.name])
    table = words.keyness(duplicated, "set", "dubbelarbete", "rapporten", Selection(include_interviewer=True),
                          lemma=False, min_freq=1, correction="none", limit=None)
    assert (table.total_a, table.total_b) == (len(inside), 5)
    rows = {k.word: k for k in table.words}
    assert (rows["skrivs"].count_a, rows["skrivs"].count_b) == (1, 1)
    assert (rows["rapporten"].count_a, rows["rapporten"].count_b) == (0, 1)
    plot = words.term_plot(duplicated, table, Selection(include_interviewer=True), lemma=False, alpha=1.01,
                           examples=50)
    examples = {p.word: (p.examples_a, p.examples_b) for p in plot.points}
    assert not examples["rapporten"][0] and "[Rapporten]" in examples["rapporten"][1][0]
    assert "[tid]" in examples["tid"][0][0] and not examples["tid"][1]
    against_all = words.keyness(duplicated, "set", "dubbelarbete", "hela", lemma=False, min_freq=1, limit=None)
    assert against_all.total_a == len(inside) and against_all.total_b > against_all.total_a
    with pytest.raises(QualcodeError, match="groups are sets"):
        words.keyness(duplicated, "set", "dubbelarbete", "rapporten", _selection(duplicated))
    with pytest.raises(QualcodeError, match="No set 'nothing'"):
        words.keyness(duplicated, "set", "dubbelarbete", "nothing")


def test_kwic_lines_come_from_inside_the_passages(duplicated: Store) -> None:
    _, spans = _by_hand(duplicated)
    page = words.kwic(duplicated, "skrivs", _selection(duplicated))
    assert page.total == 1 and len(words.kwic(duplicated, "skrivs").lines) == 2
    assert all(any(s <= line.start and line.end <= e for s, e in spans) for line in page.lines)
    assert words.kwic(duplicated, "läser", _selection(duplicated)).total == 1
    # A phrase across two passages that touch is in neither of them.
    assert words.kwic(duplicated, "gånger och").total == 1
    with pytest.raises(QualcodeError, match="does not occur"):
        words.kwic(duplicated, "gånger och", _selection(duplicated))
    with pytest.raises(QualcodeError, match="does not occur"):
        words.kwic(duplicated, "rapporten", _selection(duplicated))


def test_collocation_windows_stay_inside_one_passage(duplicated: Store) -> None:
    # "gånger" ends the first passage; the second starts right after it.
    kept = collocations.collocations(duplicated, "gånger", _selection(duplicated), lemma=False, min_count=1)
    assert kept.node_count == 1 and kept.window_words == 4  # samma rapport skrivs två, none to the right
    assert not {"ingen", "läser"} & {c.word for c in kept.collocates}
    assert all(c.right == 0 for c in kept.collocates)
    whole = collocations.collocations(duplicated, "gånger", Selection(include_interviewer=True), lemma=False,
                                      min_count=1)
    assert whole.window_words == 9 and "läser" in {c.word for c in whole.collocates}
    # Inside a passage the window reaches both ways: "tar" stands after the cut word.
    cut = collocations.collocations(duplicated, "tid", _selection(duplicated), lemma=False, min_count=1)
    assert cut.window_words == 3  # tar, från, eleverna: "dubbelarbete" straddles the edge


def test_commands_that_filter_whole_documents_still_refuse_a_passage_set(duplicated: Store) -> None:
    with pytest.raises(QualcodeError, match="holds passages; compare filters whole documents"):
        sets.scope(duplicated, ["dubbelarbete"], command="compare")


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, timeout=300)


def test_word_commands_take_a_passage_set_in_the_installed_script(duplicated: Store, tmp_path: Path) -> None:
    inside, _ = _by_hand(duplicated)
    db = ["--db", duplicated.location.url, "--set", "dubbelarbete"]
    listed = _qualcode("words", "--form", "--include-interviewer", "--json", "--limit", "50", *db, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["total_words"] == len(inside)
    shown = _qualcode("kwic", "skrivs", "--json", *db, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["total"] == 1
    near = _qualcode("collocations", "gånger", "--form", "--min-count", "1", "--json", *db, cwd=tmp_path)
    assert near.returncode == 0, near.stderr
    assert json.loads(near.stdout)["window_words"] == 4
    key = _qualcode("keyness", "--by", "role", "--a", "rektor", "--b", "förstelärare", "--min-freq", "1",
                    "--json", *db, cwd=tmp_path)
    assert key.returncode == 0, key.stderr
    assert (json.loads(key.stdout)["total_a"], json.loads(key.stdout)["total_b"]) == (9, 4)
    _report_set(duplicated)
    grouped = _qualcode("keyness", "--by", "set", "--a", "dubbelarbete", "--b", "rapporten", "--min-freq", "1",
                        "--json", "--db", duplicated.location.url, cwd=tmp_path)
    assert grouped.returncode == 0, grouped.stderr
    assert (json.loads(grouped.stdout)["total_a"], json.loads(grouped.stdout)["total_b"]) == (len(inside), 5)
    unknown = _qualcode("keyness", "--by", "set", "--a", "dubbelarbete", "--b", "dubbelarbete-rest",
                        "--db", duplicated.location.url, cwd=tmp_path)
    assert unknown.returncode != 0 and "No set 'dubbelarbete-rest'" in unknown.stderr + unknown.stdout
    assert "Traceback" not in unknown.stderr
    refused = _qualcode("compare", "--by", "role", "--set", "dubbelarbete", "--db", duplicated.location.url, cwd=tmp_path)
    assert refused.returncode != 0 and "holds passages" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
