"""Word frequencies, keywords in context and keyness on a small imported interview
(SQLite and PostgreSQL), the statistics against hand-computed values, and the
installed script."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.analysis import keyness as stats
from qualcode.errors import QualcodeError
from qualcode.services import coding, words
from qualcode.services.coding import Span
from qualcode.services.words import Selection
from qualcode.storage.store import Store

# The fixture interview's turns, word by word (conftest.INTERVIEW): the interviewer's
# 7 words, the head teacher's 15 + 9, the lead teacher's 13.
HEAD, LEAD = 15 + 9, 13


def test_counts_leave_out_the_interviewer_stop_words_and_fillers(coded_store: Store) -> None:
    table = words.frequencies(coded_store, lemma=False, limit=None)
    assert table.total_words == HEAD + LEAD
    found = {w.word: w for w in table.words}
    assert "resultaten" not in found  # the interviewer's word
    assert "vi" not in found and "och" not in found  # stop words
    dialog = found["kvalitetsdialog"]
    assert (dialog.count, dialog.documents, dialog.speakers) == (1, 1, 1)
    assert dialog.per_10k == round(10_000 / (HEAD + LEAD), 2)
    with_interviewer = words.frequencies(coded_store, Selection(include_interviewer=True), lemma=False, limit=None)
    assert with_interviewer.total_words == HEAD + LEAD + 7
    assert "resultaten" in {w.word for w in with_interviewer.words}


def test_lemmas_roles_and_codes_filter_the_counts(coded_store: Store) -> None:
    by_lemma = {w.word for w in words.frequencies(coded_store, limit=None).words}
    assert "rektor" in by_lemma and "rektorerna" not in by_lemma
    lead = words.frequencies(coded_store, Selection(roles=["förstelärare"]), lemma=False, limit=None)
    assert lead.total_words == LEAD and "kvalitetsdialog" not in {w.word for w in lead.words}
    text = coded_store.unit_of_work
    with text() as uow:
        document = uow.documents.list()[0]
        body = uow.documents.text(document.id)
    start = body.index("Arbetslagen")
    coding.apply_code(coded_store, document.name, "voice", "anna",
                      Span(start=start, end=start + len("Arbetslagen får siffrorna")))
    coded = words.frequencies(coded_store, Selection(codes=["voice"]), lemma=False, limit=None)
    assert coded.total_words == 3 and {"arbetslagen", "siffrorna"} <= {w.word for w in coded.words}
    with pytest.raises(QualcodeError, match="No words match"):
        words.frequencies(coded_store, Selection(roles=["rektor"], codes=["dialogue"]))
    with pytest.raises(QualcodeError, match="attribute 'nonsense'"):
        words.frequencies(coded_store, Selection(attributes={"nonsense": ["x"]}))


def test_kwic_patterns_sorting_attribution_and_errors(coded_store: Store) -> None:
    page = words.kwic(coded_store, "rektor*")
    assert page.total == 1 and page.lines[0].match == "rektorerna"
    assert page.lines[0].citation == "(förstelärare, skola 2)"
    assert page.lines[0].right.startswith("som pratar")
    assert words.kwic(coded_store, "rektor", lemma=True).total == 1
    assert words.kwic(coded_store, "betygen och").lines[0].match == "betygen och"
    both = words.kwic(coded_store, "*en", sort="right", width=10)
    rights = [(line.match.lower(), line.right.lower()) for line in both.lines]
    assert rights == sorted(rights) and both.total > 3
    with pytest.raises(QualcodeError, match="does not occur"):
        words.kwic(coded_store, "skolan", Selection())  # only the interviewer says it
    with pytest.raises(QualcodeError, match="does not occur"):
        words.kwic(coded_store, "flygplan")
    with pytest.raises(QualcodeError, match="not a valid word pattern"):
        words.kwic(coded_store, "kval(")


def test_log_likelihood_and_log_ratio_by_hand() -> None:
    # 10 in 1,000 words against 2 in 1,000: both expected counts are 6, so
    # G² = 2 (10 ln(10/6) + 2 ln(2/6)) = 5.82206 and log ratio = log2(5) = 2.32193.
    assert stats.log_likelihood(10, 2, 1000, 1000) == pytest.approx(5.82206, abs=1e-5)
    assert stats.log_ratio(10, 2, 1000, 1000) == pytest.approx(2.32193, abs=1e-5)
    # absent from B: the zero counts as 0.5 in the log ratio; G² keeps only A's cell
    assert stats.log_ratio(3, 0, 100, 200) == pytest.approx(math.log2((3 / 100) / (0.5 / 200)))
    assert stats.log_likelihood(3, 0, 100, 200) == pytest.approx(2 * 3 * math.log(3 / 1))
    assert stats.p_values([3.841459])[0] == pytest.approx(0.05, abs=1e-6)


def test_log_likelihood_against_scipy() -> None:
    from scipy.stats import power_divergence

    for a, b, ta, tb in [(10, 2, 1000, 1000), (52, 140, 90_000, 310_000), (7, 31, 5000, 12_000)]:
        expected = [ta * (a + b) / (ta + tb), tb * (a + b) / (ta + tb)]
        reference = power_divergence([a, b], expected, lambda_="log-likelihood").statistic
        assert stats.log_likelihood(a, b, ta, tb) == pytest.approx(reference)


def test_corrections_by_hand() -> None:
    assert stats.corrected([0.01, 0.04, 0.03], "bh") == pytest.approx([0.03, 0.04, 0.04])
    assert stats.corrected([0.01, 0.04, 0.03], "bonferroni") == pytest.approx([0.03, 0.12, 0.09])
    assert stats.corrected([0.01], "none") == [0.01]


def test_keyness_between_roles(coded_store: Store) -> None:
    table = words.keyness(coded_store, "role", "rektor", "förstelärare", lemma=False, min_freq=1)
    assert (table.total_a, table.total_b) == (HEAD, LEAD) and table.correction == "Benjamini-Hochberg"
    row = next(k for k in table.words if k.word == "kvalitetsdialog")
    assert (row.count_a, row.count_b) == (1, 0)
    assert row.g2 == pytest.approx(2 * math.log((HEAD + LEAD) / HEAD), abs=1e-4)
    assert row.log_ratio > 0 and row.p_adjusted >= row.p
    assert table.tested == len(table.words) or len(table.words) == 50
    with pytest.raises(QualcodeError, match="has no words"):
        words.keyness(coded_store, "role", "rektor", "lektor")
    with pytest.raises(QualcodeError, match="no correction"):
        words.keyness(coded_store, "role", "rektor", "förstelärare", correction="holm")


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, timeout=300)


def test_word_commands_in_the_installed_script(coded_store: Store, tmp_path: Path) -> None:
    db = ["--db", coded_store.location.url]
    listed = _qualcode("words", "--form", "--json", "--limit", "5", *db, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["total_words"] == HEAD + LEAD
    out = tmp_path / "words.csv"
    assert _qualcode("words", "--out", str(out), *db, cwd=tmp_path).returncode == 0
    assert next(csv.reader(out.open(encoding="utf-8")))[:2] == ["lemma", "count"]
    again = _qualcode("words", "--out", str(out), *db, cwd=tmp_path)
    assert again.returncode != 0 and "--force" in again.stderr + again.stdout and "Traceback" not in again.stderr
    docx = tmp_path / "kwic.docx"
    shown = _qualcode("kwic", "rektor*", "--out", str(docx), *db, cwd=tmp_path)
    assert shown.returncode == 0 and "rektorerna" in shown.stdout and docx.stat().st_size > 0
    bad = _qualcode("kwic", "kval(", *db, cwd=tmp_path)
    assert bad.returncode != 0 and "not a valid word pattern" in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr
    key = _qualcode("keyness", "--by", "role", "--a", "rektor", "--b", "förstelärare", "--min-freq", "1",
                    "--correction", "bonferroni", *db, cwd=tmp_path)
    assert key.returncode == 0 and "Bonferroni" in key.stdout


def test_a_project_from_the_first_schema_gets_its_words_counted(tmp_path: Path) -> None:
    import shutil

    from qualcode.services.project import open_project

    path = tmp_path / "old.qualcode"
    shutil.copy(Path(__file__).parent / "fixtures" / "first-schema.qualcode", path)
    store = open_project(path)
    try:
        everyone = words.frequencies(store, Selection(include_interviewer=True), lemma=False, limit=None)
        without = words.frequencies(store, lemma=False, limit=None)
        assert everyone.total_words > without.total_words > 0  # the interviewer's turns left out
        assert "följer" in {w.word for w in everyone.words} - {w.word for w in without.words}
    finally:
        store.close()
