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
    for value, total in (("dubbelarbete", table.total_a), ("rapporten", table.total_b)):
        alone = words.frequencies(duplicated, words.in_sets(duplicated, Selection(include_interviewer=True), [value]),
                                  lemma=False, limit=None)
        assert alone.total_words == total
        assert {w.word: w.count for w in alone.words} == {
            k.word: (k.count_a if value == "dubbelarbete" else k.count_b) for k in table.words
            if (k.count_a if value == "dubbelarbete" else k.count_b)}
    with pytest.raises(QualcodeError, match="groups are sets"):
        words.keyness(duplicated, "set", "dubbelarbete", "rapporten", _selection(duplicated))
    with pytest.raises(QualcodeError, match="No set 'nothing'"):
        words.keyness(duplicated, "set", "dubbelarbete", "nothing")


FOLLOW_UP = """---
title: Follow-up
school: skola 6
level: school
---

Intervjuare: Och uppföljningen?

Rektor: Vi följer upp varje termin och skriver en rapport.

Förstelärare: Ingen läser den.
"""


def _second_interview(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "skola6_uppfoljning.md"
    path.write_text(FOLLOW_UP, encoding="utf-8")
    report = corpus.import_paths(store, [path], speaker_map=tmp_path / "speakers.yaml")
    assert not report.failed, report.failed


def _turn_words(store: Store, name: str, *, interviewer: bool = False) -> int:
    """The running words of a document's turns, counted here on its text: what follows
    a speaker's label on each line, the interviewer's lines only when asked for."""
    text = corpus.view_document(store, name).text
    labels = ("Rektor:", "Förstelärare:", *(("Intervjuare:",) if interviewer else ()))
    return sum(len(RUNNING_WORD.findall(line.split(":", 1)[1])) for line in text.splitlines()
               if line.startswith(labels))


def test_document_sets_that_share_documents_are_refused(duplicated: Store, tmp_path: Path) -> None:
    _second_interview(duplicated, tmp_path)
    names = sorted(d.name for d in corpus.list_documents(duplicated))
    sets.create(duplicated, "båda", "documents", documents=names)
    sets.create(duplicated, "samma", "documents", documents=names)
    second = next(n for n in names if "skola6" in n)
    sets.create(duplicated, "uppföljning", "documents", documents=[second])
    spoken = {name: _turn_words(duplicated, name) for name in names}
    assert spoken[second] == 12
    both = sum(spoken.values())
    with pytest.raises(words.WordsError, match=f"share {both} running words in 2 documents") as refused:
        words.keyness(duplicated, "set", "båda", "samma")
    assert all(f"'{name}'" in refused.value.message for name in names)
    assert "two separate groups" in refused.value.message and "qualcode set remove" in (refused.value.hint or "")
    with pytest.raises(words.WordsError, match=f"share {spoken[second]} running words in 1 document "):
        words.keyness(duplicated, "set", "båda", "uppföljning")
    # Counted as the groups' totals are: with the interviewer's turns, their words too.
    with_interviewer = _turn_words(duplicated, second, interviewer=True)
    assert with_interviewer > spoken[second]
    with pytest.raises(words.WordsError, match=f"share {with_interviewer} running words in 1 document "):
        words.keyness(duplicated, "set", "uppföljning", "båda", Selection(include_interviewer=True))


def test_a_passage_set_inside_a_document_sets_document_is_refused(duplicated: Store) -> None:
    inside, _ = _by_hand(duplicated)
    document = corpus.list_documents(duplicated)[0]
    sets.create(duplicated, "hela", "documents", documents=[document.name])
    with pytest.raises(words.WordsError, match=f"share {len(inside)} running words in 1 document "
                                               f"\\('{re.escape(document.name)}'\\)"):
        words.keyness(duplicated, "set", "dubbelarbete", "hela", lemma=False, min_freq=1)
    with pytest.raises(words.WordsError, match="share"):
        words.term_plot(duplicated, words.keyness(duplicated, "set", "hela", "dubbelarbete", limit=None))


def test_passage_sets_that_only_touch_are_compared(duplicated: Store) -> None:
    inside, spans = _by_hand(duplicated)
    document = corpus.list_documents(duplicated)[0]
    text = corpus.view_document(duplicated, document.name).text
    before = text.index("Vi gör")
    first = min(s for s, _ in spans)
    last = max(e for s, e in spans if s < text.index("Förstelärare:"))
    end_of_turn = text.index("\n", last)
    sets.create(duplicated, "runt", "passages", passages=[Passage(document.id, before, first),
                                                          Passage(document.id, last, end_of_turn)])
    table = words.keyness(duplicated, "set", "dubbelarbete", "runt", lemma=False, min_freq=1, limit=None)
    around = RUNNING_WORD.findall(text[before:first]) + RUNNING_WORD.findall(text[last:end_of_turn])
    assert (table.total_a, table.total_b) == (len(inside), len(around)) == (13, 5)
    # A passage that reaches into the first one overlaps it: the words both hold are shared.
    reach = text.index("tiden.")
    sets.create(duplicated, "över", "passages", passages=[Passage(document.id, reach, first + len("Samma rapport"))])
    both = [w for w in inside if reach <= w[0] and w[1] <= first + len("Samma rapport")]
    assert [w[2] for w in both] == ["samma", "rapport"]
    with pytest.raises(words.WordsError, match=f"share {len(both)} running words in 1 document "):
        words.keyness(duplicated, "set", "dubbelarbete", "över", lemma=False, min_freq=1)


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
    document = corpus.list_documents(duplicated)[0]
    sets.create(duplicated, "hela", "documents", documents=[document.name])
    shared = _qualcode("keyness", "--by", "set", "--a", "hela", "--b", "dubbelarbete",
                       "--db", duplicated.location.url, cwd=tmp_path)
    told = shared.stderr + shared.stdout
    assert shared.returncode == 1, told
    assert f"share {len(inside)} running words in 1 document" in " ".join(told.split())
    assert "qualcode set remove" in told and "Traceback" not in shared.stderr
    refused = _qualcode("compare", "--by", "role", "--set", "dubbelarbete", "--db", duplicated.location.url, cwd=tmp_path)
    assert refused.returncode != 0 and "holds passages" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
