"""Agreement end to end: samples, reports, disagreements, adjudication, export, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qualcode.cli.app import main
from qualcode.core.agreement import POOLED
from qualcode.core.model import CodingOrigin
from qualcode.errors import AnalysisError, CodingError, ExportError, NotFoundError
from qualcode.services import agreement, coding, corpus
from qualcode.services.coding import Span
from qualcode.storage.repositories.codings import CodingFilter
from qualcode.storage.store import Store

DOC = "skola2_rektorer"


@pytest.fixture
def double_coded(coded_store: Store) -> tuple[Store, list]:
    """anna and bo code the interview's sentences; they disagree on some."""
    sentences = corpus.view_document(coded_store, DOC).sentences
    assert len(sentences) >= 6
    plan = {  # sentence index -> (anna's codes, bo's codes)
        0: ({"followup"}, {"followup"}),
        1: ({"dialogue"}, {"dialogue"}),
        2: ({"dialogue", "voice"}, {"dialogue"}),
        3: ({"voice"}, {"voice"}),
        4: (set(), {"followup"}),
        5: ({"followup"}, {"followup"}),
    }
    for index, (anna, bo) in plan.items():
        for key in sorted(anna):
            coding.apply_code(coded_store, DOC, key, "anna", Span(segment_id=sentences[index].id))
        for key in sorted(bo):
            coding.apply_code(coded_store, DOC, key, "bo", Span(segment_id=sentences[index].id))
    return coded_store, sentences


def test_report_matches_direct_computation(double_coded) -> None:  # type: ignore[no-untyped-def]
    store, sentences = double_coded
    report = agreement.agreement_report(store, coders=["anna", "bo"], resamples=200)
    n = len(sentences)
    rows = {r.code_key: r for r in report.rows}
    # voice: anna on 2 and 3, bo on 3 -> one disagreement among n sentences
    voice = rows["voice"].get("percent_agreement")
    assert voice is not None and voice.value == pytest.approx((n - 1) / n)
    assert "sentence" in voice.unit
    from sklearn.metrics import cohen_kappa_score

    a = np.zeros(n, dtype=int)
    b = np.zeros(n, dtype=int)
    a[[0, 5]] = 1
    b[[0, 4, 5]] = 1
    kappa = rows["followup"].get("cohen_kappa")
    assert kappa is not None and kappa.value == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
    assert kappa.ci is not None
    assert report.pooled is not None


def test_every_unit_and_by_document(double_coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = double_coded
    for unit in ("character", "overlap", "unitized"):
        report = agreement.agreement_report(store, coders=["anna", "bo"], unit=unit, by="document",
                                            resamples=0)
        assert report.rows and report.unit == unit
        assert all(s.value is None or -1.0 <= s.value <= 1.0 for r in report.rows for s in r.statistics)
    dialogue = agreement.agreement_report(store, coders=["anna", "bo"], unit="overlap", codes=["dialogue"])
    row = next(r for r in dialogue.rows if r.code_key == "dialogue")
    assert row.get("overlap_agreement").value == pytest.approx(1.0)  # type: ignore[union-attr]


def test_codes_under_one_parent_form_a_domain_for_the_2016_family(coded_store: Store) -> None:
    from dataclasses import replace

    from qualcode.core.codebook import CodeSpec
    from qualcode.services import codebook
    from tests.conftest import SMALL_BOOK

    extra = CodeSpec("plan", "Action plan", parent="followup", definition="A plan is made.")
    codebook.load_spec(coded_store, replace(SMALL_BOOK, codes=(*SMALL_BOOK.codes, extra)))
    sentences = corpus.view_document(coded_store, DOC).sentences
    plan = {"anna": [("dialogue", 0), ("plan", 1), ("plan", 3)],
            "bo": [("dialogue", 0), ("plan", 1), ("dialogue", 3), ("voice", 3)]}
    for coder, applied in plan.items():
        for key, index in applied:
            coding.apply_code(coded_store, DOC, key, coder, Span(segment_id=sentences[index].id))
    report = agreement.agreement_report(coded_store, coders=["anna", "bo"], unit="unitized")
    domain = next(r for r in report.rows if r.code_key == "followup (domain)")
    assert domain.code_label == "Follow-up"
    u, cu = domain.get("u_alpha_2016"), domain.get("cu_alpha_2016")
    assert u is not None and u.value is not None and u.value < 1
    # the coders' spans meet on sentences 0, 1 and 3 and differ on 3 only
    assert cu is not None and cu.value is not None and 0 < domain.extra["cu_coverage"] < 1
    rows = {r.code_key: r for r in report.rows}
    assert rows["plan"].get("k_u_alpha_2016") is not None
    assert rows["voice"].get("k_u_alpha_2016") is None  # no parent: in no domain
    assert rows["voice"].get("binary_u_alpha_2016").value is not None  # type: ignore[union-attr]


def test_degenerate_selections_give_messages(double_coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = double_coded
    with pytest.raises(AnalysisError, match="two or more coders"):
        agreement.agreement_report(store, coders=["anna"])
    with pytest.raises(AnalysisError, match="Unknown unit"):
        agreement.agreement_report(store, unit="paragraphs")
    # total agreement on one code: kappa undefined, said so
    report = agreement.agreement_report(store, coders=["anna", "bo"], codes=["followup"],
                                        documents=[DOC], resamples=0, unit="character")
    assert report.rows


def test_samples_rounds_and_hiding(double_coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = double_coded
    first = agreement.draw_sample(store, "round-1", ["anna", "bo"], size=1, seed=7, supervisor="sara")
    assert first.coders == ("anna", "bo") and len(first.document_ids) == 1
    with pytest.raises(AnalysisError, match="already exists"):
        agreement.draw_sample(store, "round-1", ["anna", "bo"], size=1, seed=7)
    with pytest.raises(AnalysisError, match="two or more coders"):
        agreement.draw_sample(store, "solo", ["anna"], size=1)
    seg = agreement.draw_sample(store, "round-2", ["anna", "bo"], size=4, unit="segment", seed=3,
                                stratify_by="level")
    again_store_sample = agreement.get_sample(store, "round-2")
    assert set(first.document_ids) == {d.id for d in corpus.list_documents(store)}
    with pytest.raises(AnalysisError, match="No documents to sample from"):  # round-1 holds them all
        agreement.draw_sample(store, "round-3", ["anna", "bo"], size=1, exclude_samples=["round-1"])
    with pytest.raises(NotFoundError, match="No sample 'nosuch'"):
        agreement.draw_sample(store, "round-4", ["anna", "bo"], size=1, exclude_samples=["nosuch"])
    assert len(seg.segment_ids) == 4 and again_store_sample.segment_ids == seg.segment_ids
    doc_id = first.document_ids[0]
    anna_id = next(c for c in _coders(store) if c.name == "anna").id
    bo_id = next(c for c in _coders(store) if c.name == "bo").id
    assert agreement.hidden_coder_ids(store, "anna", doc_id) == {bo_id}
    agreement.mark_done(store, "round-1", "anna")
    agreement.mark_done(store, "round-2", "anna")
    assert agreement.hidden_coder_ids(store, "anna", doc_id) == set()
    assert agreement.hidden_coder_ids(store, "bo", doc_id) == {anna_id}
    with pytest.raises(CodingError):
        agreement.mark_done(store, "round-1", "sara")
    report = agreement.agreement_report(store, sample="round-2", resamples=0)
    assert report.sample == "round-2"
    assert max(s.n_units for s in report.rows[0].statistics) <= 4
    rounds = agreement.rounds(store, resamples=0)
    assert [r.sample.name for r in rounds] == ["round-1", "round-2"]
    assert rounds[0].alpha is not None


def _coders(store: Store):  # type: ignore[no-untyped-def]
    with store.unit_of_work() as uow:
        return uow.coders.list()


def test_disagreements_and_adjudication_end_to_end(double_coded) -> None:  # type: ignore[no-untyped-def]
    store, sentences = double_coded
    found = agreement.disagreements(store, coders=["anna", "bo"])
    keys = {(d.code_key, d.start) for d in found}
    assert keys == {("voice", sentences[2].start), ("followup", sentences[4].start)}
    voice = next(d for d in found if d.code_key == "voice")
    assert {s.coder for s in voice.spans} == {"anna"} and voice.text
    followup = next(d for d in found if d.code_key == "followup")

    added = agreement.adjudicate(store, voice.key, "accept", "sara", coder="anna")
    assert [(c.start, c.end, c.origin) for c in added] == [
        (sentences[2].start, sentences[2].end, CodingOrigin.ADJUDICATED)]
    # changing one's mind replaces the consensus coding
    assert agreement.adjudicate(store, voice.key, "neither", "sara") == []
    edited = agreement.adjudicate(store, followup.key, "edit", "sara",
                                  span=(sentences[4].start, sentences[4].start + 5))
    assert edited[0].end - edited[0].start == 5
    both = agreement.adjudicate(store, followup.key, "both", "sara")
    assert (both[0].start, both[0].end) == (sentences[4].start, sentences[4].end)
    with pytest.raises(CodingError):
        agreement.adjudicate(store, "nonsense", "both", "sara")
    with pytest.raises(CodingError):
        agreement.adjudicate(store, followup.key, "accept", "sara")

    with store.unit_of_work() as uow:
        consensus = uow.coders.find(agreement.CONSENSUS)
        assert consensus is not None
        kept = uow.codings.list(CodingFilter(coder_ids=[consensus.id]))
        events = uow.events.list(kind="agreement.adjudicated")
        sara = uow.coders.find("sara")
    assert [(c.start, c.end) for c in kept] == [(sentences[4].start, sentences[4].end)]
    assert len(events) == 4 and all(e.coder_id == sara.id for e in events)  # type: ignore[union-attr]
    settled = {d.key: d.settled for d in agreement.disagreements(store, coders=["anna", "bo"])}
    assert settled[voice.key] == "neither" and settled[followup.key] == "both"
    assert agreement.disagreements(store, coders=["anna", "bo"], include_settled=False) == []
    # the consensus coder is not counted as a coder by default
    assert agreement.agreement_report(store, resamples=0).coders == ("anna", "bo")


def test_export_formats(double_coded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = double_coded
    report = agreement.agreement_report(store, coders=["anna", "bo"], resamples=100)
    csv_path = agreement.export_report(report, tmp_path / "agreement.csv")
    assert "krippendorff_alpha" in csv_path.read_text(encoding="utf-8")
    md = agreement.export_report(report, tmp_path / "agreement.md").read_text(encoding="utf-8")
    assert "Two coders (anna and bo) independently coded 1 document." in md
    assert "Krippendorff's alpha (nominal) = " in md
    docx_path = agreement.export_report(report, tmp_path / "agreement.docx")
    from docx import Document

    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert "independently coded" in text
    with pytest.raises(ExportError):
        agreement.export_report(report, tmp_path / "agreement.md")
    with pytest.raises(Exception, match="unknown format"):
        agreement.export_report(report, tmp_path / "agreement.pdf")


# ---------------------------------------------------------------- the demo, CLI


def test_demo_full_report_in_the_cli(demo_file: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "demo.qualcode"
    shutil.copy(demo_file, db)
    assert main(["agreement", "--db", str(db), "--coders", "anna,bo", "--resamples", "200",
                 "--methods"]) == 0
    out = capsys.readouterr().out
    assert "Cohen's kappa" in out and "(pooled)" in out and "Two coders (anna and bo)" in out
    for unit in ("character", "overlap", "unitized"):
        assert main(["agreement", "--db", str(db), "--unit", unit, "--quiet"]) == 0
    assert "coded characters" in capsys.readouterr().out
    assert main(["agreement", "export", str(tmp_path / "a.md"), "--db", str(db), "--resamples", "50",
                 "--quiet"]) == 0
    assert "## Methods" in (tmp_path / "a.md").read_text(encoding="utf-8")

    assert main(["agreement", "sample", "r1", "--db", str(db), "--coders", "anna,bo", "--size", "3",
                 "--seed", "1", "--stratify", "level", "--coder", "sara"]) == 0
    capsys.readouterr()
    assert main(["agreement", "sample", "r2", "--db", str(db), "--coders", "anna,bo", "--size", "3",
                 "--seed", "2", "--exclude", "r1", "--json"]) == 0
    import json as json_

    second = json_.loads(capsys.readouterr().out)
    assert main(["agreement", "samples", "--db", str(db), "--json"]) == 0
    drawn = {s["name"]: set(s["document_ids"]) for s in json_.loads(capsys.readouterr().out)}
    assert len(second["document_ids"]) == 3 and not drawn["r1"] & drawn["r2"]
    assert main(["agreement", "samples", "--db", str(db)]) == 0
    assert main(["agreement", "done", "r1", "--db", str(db), "--coder", "anna"]) == 0
    assert main(["agreement", "rounds", "--db", str(db), "--resamples", "0"]) == 0
    capsys.readouterr()
    assert main(["agreement", "disagreements", "--db", str(db), "--coders", "anna,bo", "--json",
                 "--limit", "3"]) == 0
    import json

    first = json.loads(capsys.readouterr().out)[0]
    accepted = first["spans"][0]["coder"]
    assert main(["agreement", "adjudicate", first["key"], "--accept", accepted, "--db", str(db),
                 "--coder", "sara"]) == 0
    assert "Settled" in capsys.readouterr().out
    assert main(["agreement", "adjudicate", first["key"], "--both", "--neither", "--db", str(db),
                 "--coder", "sara"]) == 1
    assert main(["agreement", "--db", str(db), "--coders", "anna"]) == 10
    assert "two or more coders" in capsys.readouterr().err


def test_report_reads_the_codings_once(double_coded) -> None:  # type: ignore[no-untyped-def]
    """Who coded which document and which codes were used come from the one fetch of the
    coders' codings, not from queries of their own over the whole codings table."""
    from sqlalchemy import event

    store, _sentences = double_coded
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).lower())

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        default = agreement.agreement_report(store, resamples=0)
        named = agreement.agreement_report(store, coders=["anna", "bo"], codes=["voice"], resamples=0)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    full_reads = [s for s in statements if "from codings" in s and "distinct" not in s]
    assert len(full_reads) == 2, full_reads  # one per report
    assert not [s for s in statements if "from codings" in s and "group by" in s]
    assert default.coders == ("anna", "bo")
    assert [r.code_key for r in named.rows if r.code_key != POOLED] == ["voice"]
    explicit = agreement.agreement_report(store, coders=["anna", "bo"], resamples=0)
    assert [(r.code_key, [s.value for s in r.statistics]) for r in default.rows] == \
        [(r.code_key, [s.value for s in r.statistics]) for r in explicit.rows]


def test_a_sample_drawn_from_a_set_is_drawn_again_after_more_imports(tmp_path: Path) -> None:
    """'agreement sample --set' through the installed script: the same seed and set give the
    same documents after more are imported, and a later round from the set stays in it."""
    import json
    import os
    import subprocess
    import sys

    script = Path(sys.executable).with_name("qualcode")
    corpus_dir = Path(__file__).resolve().parents[1] / "corpora" / "sbs-demo"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "120"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(script), *args, "--db", str(db)], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=300)

    db = tmp_path / "p.qualcode"
    assert subprocess.run([str(script), "init", str(db)], capture_output=True, env=env, cwd=tmp_path,
                          timeout=120).returncode == 0
    files = sorted(corpus_dir.glob("*.md"))
    first, later = files[:8], files[8:11]
    assert run("import", *map(str, first), "--quiet").returncode == 0
    frame = [p.stem for p in first]
    made = run("set", "create", "frame", *[a for name in frame for a in ("--doc", name)], "--coder", "anna")
    assert made.returncode == 0, made.stderr

    def draw(name: str, *extra: str) -> set[int]:
        out = run("agreement", "sample", name, "--coders", "anna,bo", "--size", "3", "--stratify", "level",
                  "--seed", "7", "--json", *extra)
        assert out.returncode == 0, out.stderr
        return set(json.loads(out.stdout)["document_ids"])

    before = draw("r1", "--set", "frame")
    assert run("import", *map(str, later), "--quiet").returncode == 0
    listed = run("docs", "--json")
    ids = {d["name"]: d["id"] for d in json.loads(listed.stdout)}
    in_frame = {ids[name] for name in frame}
    assert len(ids) == len(first) + len(later)
    assert draw("r1-again", "--set", "frame") == before and before <= in_frame
    second = draw("r2", "--set", "frame", "--exclude", "r1")
    assert second <= in_frame and not second & before
    unknown = run("agreement", "sample", "r3", "--coders", "anna,bo", "--size", "2", "--set", "nosuch")
    assert unknown.returncode != 0 and "No set 'nosuch'" in unknown.stderr + unknown.stdout
    assert "Traceback" not in unknown.stderr
