"""Collocations on a small made-up interview whose counts are worked out by hand
(SQLite and PostgreSQL), the statistics against scipy, and the installed script."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.analysis import collocations as stats
from qualcode.errors import QualcodeError
from qualcode.services import corpus
from qualcode.services.collocations import collocations
from qualcode.services.words import Selection
from qualcode.storage.store import Store

# The head teacher's words, in order (no stop words, no fillers):
#   alfa beta gamma delta alfa beta epsilon gamma gamma delta   (10 words)
# and, in a turn of their own after the interviewer's, "beta alfa". The interviewer
# says "alfa gamma".
TEXT = """---
title: Made-up words
school: skola 9
---

Rektor: Alfa beta gamma delta. Alfa beta epsilon gamma gamma delta.

Intervjuare: Alfa gamma?

Rektor: Beta alfa.
"""

SPEAKERS = """speakers:
  Rektor: {role: rektor, level: school}
  Intervjuare: {role: intervjuare, level: research}
"""


@pytest.fixture
def made_up(store: Store, tmp_path: Path) -> Store:
    doc = tmp_path / "made_up.md"
    doc.write_text(TEXT, encoding="utf-8")
    speakers = tmp_path / "speakers.yaml"
    speakers.write_text(SPEAKERS, encoding="utf-8")
    report = corpus.import_paths(store, [doc], speaker_map=speakers, language="sv")
    assert not report.failed, report.failed
    return store


def test_statistics_by_hand_and_against_scipy() -> None:
    from scipy.stats.contingency import chi2_contingency

    # 2 of the 3 words in the windows are the collocate, which occurs twice in 10 words:
    # E11 = 3 * 2 / 10 = 0.6, MI = log2(2 / 0.6); G² over [[2, 1], [0, 7]].
    assert stats.expected(3, 2, 10) == pytest.approx(0.6)
    assert stats.mutual_information(2, 3, 2, 10) == pytest.approx(math.log2(2 / 0.6))
    by_hand = 2 * (2 * math.log(2 * 10 / (3 * 2)) + 1 * math.log(10 / (3 * 8)) + 7 * math.log(7 * 10 / (7 * 8)))
    assert stats.log_likelihood(2, 3, 2, 10) == pytest.approx(by_hand)
    assert by_hand == pytest.approx(6.18896, abs=1e-5)
    for o11, window, freq, total in [(2, 3, 2, 10), (9, 360, 66, 29_763), (40, 1000, 300, 1_000_000)]:
        cells = [[o11, window - o11], [freq - o11, total - window - freq + o11]]
        reference = chi2_contingency(cells, correction=False, lambda_="log-likelihood")[0]
        assert stats.log_likelihood(o11, window, freq, total) == pytest.approx(reference)
    assert stats.mutual_information(0, 3, 2, 10) == -math.inf


def test_collocates_counted_by_hand(made_up: Store) -> None:
    # Without the interviewer: 12 running words. 'alfa' at 0, 4 and 11 (the last turn).
    # Window 1: [beta], [delta, beta], [beta] -> 4 words in the windows; beta 3 times
    # (2 right, 1 left) of its 3, delta once of its 2.
    table = collocations(made_up, "alfa", window=1, min_count=1, lemma=False)
    assert (table.node_count, table.total_words, table.window_words) == (3, 12, 4)
    found = {c.word: c for c in table.collocates}
    beta = found["beta"]
    assert (beta.count, beta.left, beta.right, beta.frequency) == (3, 1, 2, 3)
    assert beta.expected == pytest.approx(4 * 3 / 12, abs=1e-4)
    assert beta.mi == pytest.approx(math.log2(3 / 1), abs=1e-4)
    assert beta.g2 == pytest.approx(stats.log_likelihood(3, 4, 3, 12), abs=1e-4)
    assert 0 < beta.p < 1
    assert found["delta"].count == 1 and found["delta"].expected == pytest.approx(4 * 2 / 12, abs=1e-4)
    assert "gamma" not in found  # never next to alfa
    assert table.collocates[0].word == "beta"  # highest G²
    assert [c.word for c in collocations(made_up, "alfa", window=1, min_count=2, lemma=False).collocates] == ["beta"]


def test_windows_stop_at_other_speakers(made_up: Store) -> None:
    # With the interviewer: 'alfa gamma' stands between the head teacher's turns.
    # Window 2 around the interviewer's alfa holds only 'gamma' (the turn ends), so
    # gamma is next to alfa once; the head teacher's last-turn alfa sees only beta.
    table = collocations(made_up, "alfa", Selection(include_interviewer=True), window=2, min_count=1,
                         lemma=False)
    assert table.node_count == 4 and table.total_words == 14
    found = {c.word: c for c in table.collocates}
    # 1st alfa: beta gamma; 2nd: gamma delta | beta epsilon; interviewer's: gamma; last: beta
    assert table.window_words == 2 + 4 + 1 + 1
    assert found["beta"].count == 3 and found["beta"].left == 1
    # gamma 3 times in 8 window words, of its 4 in 14: expected 8 * 4 / 14 = 2.29 < 3
    assert found["gamma"].count == 3 and found["gamma"].expected == pytest.approx(8 * 4 / 14, abs=1e-4)


def test_sorting_and_errors(made_up: Store) -> None:
    by_count = collocations(made_up, "alf*", window=3, min_count=1, lemma=False, sort="count").collocates
    assert [c.count for c in by_count] == sorted((c.count for c in by_count), reverse=True)
    by_mi = collocations(made_up, "alfa", window=3, min_count=1, lemma=False, sort="mi").collocates
    assert [c.mi for c in by_mi] == sorted((c.mi for c in by_mi), reverse=True)
    with pytest.raises(QualcodeError, match="does not occur"):
        collocations(made_up, "zeta")
    with pytest.raises(QualcodeError, match="not a valid word pattern"):
        collocations(made_up, "al(fa")
    with pytest.raises(QualcodeError, match="one node word"):
        collocations(made_up, "alfa beta")
    with pytest.raises(QualcodeError, match="Cannot sort"):
        collocations(made_up, "alfa", sort="dice")


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, timeout=300)


def test_collocations_in_the_installed_script(made_up: Store, tmp_path: Path) -> None:
    db = ["--db", made_up.location.url]
    shown = _qualcode("collocations", "alfa", "--window", "1", "--min-count", "1", "--form", "--json", *db,
                      cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["node_count"] == 3 and data["collocates"][0]["word"] == "beta"
    out = tmp_path / "coll.csv"
    written = _qualcode("collocations", "alfa", "--form", "--min-count", "1", "--out", str(out), *db, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][:3] == ["form", "count", "left"] and len(rows) > 1
    again = _qualcode("collocations", "alfa", "--out", str(out), *db, cwd=tmp_path)
    assert again.returncode != 0 and "--force" in again.stderr + again.stdout
    missing = _qualcode("collocations", "zeta", *db, cwd=tmp_path)
    assert missing.returncode != 0 and "does not occur" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr + again.stderr
