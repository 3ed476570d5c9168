"""Coding weights end to end, the empty sample on every unit, and the installed script."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qualcode.analysis.agreement.compute import UNITS
from qualcode.errors import AnalysisError, CodingError, NotFoundError
from qualcode.services import agreement, coding, corpus, exchange, retrieval
from qualcode.services.coding import Span
from qualcode.storage.store import Store

DOC = "skola2_rektorer"
SCRIPT = Path(sys.executable).with_name("qualcode")
FIXTURES = Path(__file__).parent / "fixtures"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "120"}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


@pytest.fixture
def weighted(coded_store: Store) -> tuple[Store, list]:
    """anna and bo weigh 'voice' on the same six sentences, mostly alike."""
    sentences = corpus.view_document(coded_store, DOC).sentences[:6]
    anna = [80, 60, 20, 90, 40, 70]
    bo = [75, 65, 30, 90, 35, None]
    for sentence, a, b in zip(sentences, anna, bo, strict=True):
        coding.apply_code(coded_store, DOC, "voice", "anna", Span(segment_id=sentence.id), weight=a)
        coding.apply_code(coded_store, DOC, "voice", "bo", Span(segment_id=sentence.id), weight=b)
    return coded_store, [anna, bo]


def test_interval_alpha_on_weights_per_code(weighted) -> None:  # type: ignore[no-untyped-def]
    import krippendorff

    store, (anna, bo) = weighted
    report = agreement.agreement_report(store, coders=["anna", "bo"], resamples=0)
    voice = next(r for r in report.rows if r.code_key == "voice" and r.document is None)
    statistic = voice.get("weight_alpha_interval")
    values = np.array([[np.nan if v is None else v for v in anna], [np.nan if v is None else v for v in bo]])
    expected = krippendorff.alpha(reliability_data=values, level_of_measurement="interval")
    assert statistic is not None and statistic.value == pytest.approx(expected, abs=1e-6)
    assert statistic.n_units == 5  # bo gave no weight on the last sentence
    ordinal = agreement.agreement_report(store, coders=["anna", "bo"], resamples=0, weight_level="ordinal")
    row = next(r for r in ordinal.rows if r.code_key == "voice" and r.document is None)
    assert row.get("weight_alpha_ordinal").value == pytest.approx(
        krippendorff.alpha(reliability_data=values, level_of_measurement="ordinal"), abs=1e-6)
    assert "weights (0-100) were compared" in agreement.methods_text(report)


def test_weights_are_checked_set_later_shown_and_undone(weighted) -> None:  # type: ignore[no-untyped-def]
    store, _ = weighted
    sentence = corpus.view_document(store, DOC).sentences[0]
    with pytest.raises(CodingError, match="outside 0-100"):
        coding.apply_code(store, DOC, "followup", "anna", Span(segment_id=sentence.id), weight=101)
    made = coding.apply_code(store, DOC, "followup", "anna", Span(segment_id=sentence.id))
    assert made.weight is None
    assert coding.set_weight(store, made.id, 55, "anna").weight == 55
    page = retrieval.passages(store, codes=["followup"], coders=["anna"], limit=None, context=0)
    assert {p.coding_id: p.weight for p in page.passages}[made.id] == 55
    removed = coding.remove_coding(store, made.id, "anna")
    assert removed.weight == 55
    coding.undo(store, "anna")
    with store.unit_of_work() as uow:
        restored = uow.codings.get(made.id)
    assert restored is not None and restored.weight == 55


def test_a_weight_change_is_undone_and_a_removed_coding_does_not_block_undo(weighted) -> None:  # type: ignore[no-untyped-def]
    store, _ = weighted
    sentence = corpus.view_document(store, DOC).sentences[1]
    made = coding.apply_code(store, DOC, "followup", "anna", Span(segment_id=sentence.id), weight=30)
    coding.set_weight(store, made.id, 90, "anna")
    assert "weight of coding" in coding.undo(store, "anna")
    assert coding.get_coding(store, made.id).weight == 30
    coding.set_weight(store, made.id, 10, "anna")
    coding.remove_coding(store, made.id, "bo")  # another coder removes it meanwhile
    with pytest.raises(CodingError, match=r"weighted\): bo changed it since"):
        coding.undo(store, "anna")
    # Undo is not stuck: the next one goes on to the coding itself (refused too: bo removed it).
    with pytest.raises(CodingError, match=r"applied\): .* changed it since"):
        coding.undo(store, "anna")
    with pytest.raises(NotFoundError):
        coding.get_coding(store, made.id)


def test_weights_round_trip_through_qdpx(weighted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = weighted
    path = tmp_path / "weights.qdpx"
    exchange.export_qdpx(store, path)
    copy, _report = exchange.import_qdpx_as_new(path, tmp_path / "copy.qualcode")
    try:
        def weights(s: Store) -> list[tuple[str, int, int, int | None]]:
            page = retrieval.passages(s, codes=["voice"], limit=None, context=0)
            return sorted((p.coder, p.start, p.end, p.weight) for p in page.passages)

        assert weights(copy) == weights(store)
        assert any(w is not None for *_rest, w in weights(copy))
    finally:
        copy.close()


def test_empty_sample_gives_one_message_on_every_unit(coded_store: Store) -> None:
    agreement.draw_sample(coded_store, "round-0", ["anna", "bo"], size=1, seed=1)
    messages = set()
    for unit in UNITS:
        with pytest.raises(AnalysisError) as caught:
            agreement.agreement_report(coded_store, sample="round-0", unit=unit, resamples=0)
        messages.add(caught.value.message)
    assert len(messages) == 1 and "Nobody has coded sample 'round-0' yet" in messages.pop()
    (only,) = agreement.rounds(coded_store, resamples=0)
    assert only.alpha is None and "Nobody has coded sample 'round-0' yet" in only.message


def test_installed_script_weights_conventions_and_empty_sample(demo_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.qualcode"
    shutil.copy(demo_file, db)
    made = _run("code", "apply", "--db", str(db), "--coder", "anna", "--weight", "70", "--start", "0",
                "--end", "40", "01_processtodjare", "lc.tight", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "(weight 70)" in made.stdout
    coding_id = made.stdout.split(":")[0].split()[-1]
    later = _run("code", "weight", coding_id, "30", "--db", str(db), "--coder", "anna", cwd=tmp_path)
    assert later.returncode == 0 and f"Coding {coding_id} now has weight 30" in later.stdout
    neither = _run("code", "weight", coding_id, "--db", str(db), "--coder", "anna", cwd=tmp_path)
    assert neither.returncode != 0 and "Traceback" not in neither.stderr
    listed = _run("code", "list", "--db", str(db), "--coder", "anna", "--code", "lc.tight", "--limit", "500",
                  cwd=tmp_path)
    assert "Weight" in listed.stdout and " 30 " in listed.stdout
    bad = _run("code", "apply", "--db", str(db), "--coder", "anna", "--weight", "150", "--start", "0",
               "--end", "40", "x", "lc.tight", cwd=tmp_path)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    for convention in ("nvivo", "maxqda", "atlasti"):
        out = _run("agreement", "--db", str(db), "--coders", "anna,bo", "--unit", "character",
                   "--convention", convention, "--resamples", "0", cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert {"nvivo": "NVivo's", "maxqda": "MAXQDA's", "atlasti": "ATLAS.ti's"}[convention] in out.stdout
    as_json = _run("agreement", "--db", str(db), "--coders", "anna,bo", "--resamples", "0", "--json",
                   cwd=tmp_path)
    assert as_json.returncode == 0 and '"cohen_pe"' in as_json.stdout and '"convention": "qualcode"' in as_json.stdout
    _run("agreement", "sample", "fresh", "--db", str(db), "--coders", "anna,bo", "--size", "1",
         "--seed", "3", "--unit", "segment", cwd=tmp_path)
    # a segment sample of fresh coders nobody has used yet
    _run("agreement", "sample", "unseen", "--db", str(db), "--coders", "xena,yuri", "--size", "1",
         "--seed", "3", cwd=tmp_path)
    for unit in UNITS:
        empty = _run("agreement", "--db", str(db), "--sample", "unseen", "--unit", unit, "--resamples", "0",
                     cwd=tmp_path)
        assert empty.returncode != 0 and "Traceback" not in empty.stderr, unit
        assert "Nobody has coded sample 'unseen' yet" in empty.stdout + empty.stderr, unit
    rounds = _run("agreement", "rounds", "--db", str(db), "--resamples", "0", cwd=tmp_path)
    assert rounds.returncode == 0 and "Traceback" not in rounds.stderr
    assert "Nobody has coded" in rounds.stdout


def test_first_schema_project_gains_the_weight_column(tmp_path: Path) -> None:
    from qualcode.services.project import open_project

    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    open_project(path).close()
    with sqlite3.connect(path) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(codings)")}
        assert "weight" in columns
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute("UPDATE codings SET weight = 101")


def test_reports_name_the_unit_and_convention(weighted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from docx import Document

    store, _ = weighted
    report = agreement.agreement_report(store, coders=["anna", "bo"], resamples=0, convention="nvivo")
    md = agreement.export_report(report, tmp_path / "a.md").read_text(encoding="utf-8")
    assert "# Inter-coder agreement (segment, NVivo's convention)" in md
    assert "## Expected agreement and further figures" in md and "Expected agreement (Cohen's p_e)" in md
    assert "following NVivo's conventions (segment unit, convention 'nvivo')" in md
    assert "any character of it was coded" in md
    with (agreement.export_report(report, tmp_path / "a.csv")).open(encoding="utf-8") as stream:
        lines = list(csv.DictReader(stream))
    assert {line["convention"] for line in lines} == {"nvivo"}
    assert any(line["statistic"] == "weight_alpha_interval" for line in lines)
    document = Document(str(agreement.export_report(report, tmp_path / "a.docx")))
    assert len(document.tables) == 2
    assert "convention 'nvivo'" in "\n".join(p.text for p in document.paragraphs)
