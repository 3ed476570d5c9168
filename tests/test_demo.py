"""The shipped demo: every corpus imports, and the demo project has real coded data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qualcode.core.agreement import CONSENSUS
from qualcode.errors import ExportError, SourceFileError
from qualcode.importers.anchored_codings import read_anchored_codings, read_memo_notes
from qualcode.importers.base import read_source
from qualcode.importers.coding_rounds import read_decisions, read_round_sets, read_rounds
from qualcode.services import (
    agreement,
    codebook,
    coding,
    corpus,
    demo,
    demo_report,
    embedding_cache,
    sets,
    topics,
)
from qualcode.services.project import create_project

REPO = Path(__file__).resolve().parents[1]
SBS = REPO / "corpora" / "sbs-demo"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store, report = demo.build_demo(tmp_path_factory.mktemp("demo") / demo.DEMO_FILE)
    yield store, report
    store.close()


def test_demo_holds_corpus_codebooks_and_three_coders(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, report = demo_store
    documents = corpus.list_documents(store)
    assert len(documents) == len(list(SBS.glob("*.md"))) >= 16
    assert all(1500 <= d.word_count <= 3000 for d in documents), [(d.name, d.word_count) for d in documents]
    assert {d.attributes["level"] for d in documents} == {"state", "owner", "school", "university"}
    assert [b.slug for b, _, _ in codebook.list_codebooks(store)] == list(demo.SHIPPED_CODEBOOKS)
    with store.unit_of_work() as uow:
        codings = uow.codings.list()
        coders = {c.id: c.name for c in uow.coders.list()}
    by_coder = Counter(coders[c.coder_id] for c in codings)
    assert by_coder["anna"] >= 600 and by_coder["bo"] > 0 and by_coder["cecilia"] > 0
    assert by_coder[CONSENSUS] > 0
    docs_of = {name: {c.document_id for c in codings if coders[c.coder_id] == name} for name in by_coder}
    assert docs_of["anna"] == {d.id for d in documents}
    sampled = {i for s in agreement.list_samples(store) for i in s.document_ids}
    assert docs_of["bo"] == docs_of["cecilia"] == sampled
    assert report.memos > 0 and report.rounds == ["round1", "round2"]


def test_rounds_are_drawn_samples_coded_by_three_coders(demo_store) -> None:  # type: ignore[no-untyped-def]
    """Each round is a stratified sample with its seed, drawn again from the recorded spec."""
    store, _ = demo_store
    specs = read_rounds(SBS / "rounds.yaml")
    samples = agreement.list_samples(store)
    assert [s.name for s in samples] == [r.name for r in specs] and len(samples) >= 2
    names = {d.id: d.name for d in corpus.list_documents(store)}
    levels = {d.id: d.attributes["level"] for d in corpus.list_documents(store)}
    seen: set[int] = set()
    for spec, sample in zip(specs, samples, strict=True):
        assert sample.seed == spec.seed and sample.stratify_by == "level"
        assert set(sample.coders) == set(sample.done) == {"anna", "bo", "cecilia"}
        assert len(sample.document_ids) >= 5 and len({levels[i] for i in sample.document_ids}) >= 2
        assert sorted(names[i] for i in sample.document_ids) == sorted(spec.documents)
        assert not seen & set(sample.document_ids)  # a later round holds new documents
        seen |= set(sample.document_ids)
        for coder in ("bo", "cecilia"):
            files = sorted((SBS / "codings" / coder / spec.name).glob("*.yaml"))
            assert sorted(p.stem for p in files) == sorted(spec.documents)


def test_rounds_are_drawn_from_the_documents_recorded_for_them(demo_store) -> None:  # type: ignore[no-untyped-def]
    """Each round names the set it was drawn from; the set is in the project as recorded and
    the draw took its documents only, so transcripts added later leave the rounds alone."""
    store, _ = demo_store
    recorded = {s.name: s for s in read_round_sets(SBS / "rounds.yaml")}
    names = {d.id: d.name for d in corpus.list_documents(store)}
    with store.unit_of_work() as uow:
        drawn = {e.payload["name"]: e.payload for e in uow.events.list() if e.kind == "agreement.sample_drawn"}
    for spec in read_rounds(SBS / "rounds.yaml"):
        assert spec.drawn_from in recorded, spec.name
        frame = set(recorded[spec.drawn_from].documents)
        in_project = sets.get(store, spec.drawn_from)
        assert {names[i] for i in in_project.document_ids} == frame
        assert set(spec.documents) <= frame and set(drawn[spec.name]["drawn_from"]) <= frame
        sample = agreement.get_sample(store, spec.name)
        assert {names[i] for i in sample.document_ids} <= frame


def test_a_document_added_after_a_round_leaves_its_draw(tmp_path: Path) -> None:
    """A round drawn from a recorded set draws the same documents once more are imported."""
    from qualcode.services import demo_rounds

    files = sorted(SBS.glob("*.md"))
    frame, added = files[:6], files[6:9]
    first = create_project(tmp_path / "first.qualcode")
    try:
        corpus.import_paths(first, frame)
        drawn = agreement.draw_sample(first, "r1", ["anna", "bo"], size=3, seed=11, stratify_by="level")
        names = {d.id: d.name for d in corpus.list_documents(first)}
        recorded = sorted(names[i] for i in drawn.document_ids)
    finally:
        first.close()
    folder = tmp_path / "corpus"
    (folder / "codings").mkdir(parents=True)
    (folder / "rounds.yaml").write_text(
        "sets:\n  - name: frame\n    documents: [" + ", ".join(p.stem for p in frame) + "]\n"
        "rounds:\n  - name: r1\n    coders: [anna, bo]\n    size: 3\n    seed: 11\n"
        "    stratify_by: level\n    drawn_from: frame\n    documents: [" + ", ".join(recorded) + "]\n",
        encoding="utf-8")
    later = create_project(tmp_path / "later.qualcode")
    try:
        corpus.import_paths(later, frame + added)
        assert demo_rounds.replay_rounds(later, folder, demo.add_memo_notes).rounds == ["r1"]
        names = {d.id: d.name for d in corpus.list_documents(later)}
        assert sorted(names[i] for i in agreement.get_sample(later, "r1").document_ids) == recorded
    finally:
        later.close()


def test_second_coders_code_by_reading(demo_store) -> None:  # type: ignore[no-untyped-def]
    """bo and cecilia code as the text calls for: counts differ by document and between them."""
    store, _ = demo_store
    with store.unit_of_work() as uow:
        coders = {c.name: c.id for c in uow.coders.list()}
        per = {name: Counter(c.document_id for c in uow.codings.list() if c.coder_id == coders[name])
               for name in ("bo", "cecilia")}
    for name, counts in per.items():
        assert len(set(counts.values())) > len(counts) // 2, (name, counts)
        assert min(counts.values()) >= 20, (name, counts)
    assert per["bo"] != per["cecilia"]


def test_round_one_is_partly_adjudicated(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, report = demo_store
    _, supervisor, decisions = read_decisions(SBS / "adjudication-round1.yaml")
    assert report.decisions == len(decisions) > 0
    with store.unit_of_work() as uow:
        events = uow.events.list(kind="agreement.adjudicated")
    assert len(events) == len(decisions) and {e.payload["decision"] for e in events} >= {"accept", "neither"}
    found = agreement.disagreements(store, sample="round1")
    settled = [d for d in found if d.settled]
    assert 0 < len(settled) < len(found)
    round1 = set(agreement.get_sample(store, "round1").document_ids)
    consensus = coding.list_codings(store, coder=CONSENSUS, limit=None)
    assert consensus and {c.document_id for c in consensus} <= round1


def test_clarification_is_recorded_before_round_two(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo_store
    notes = read_memo_notes(SBS / "clarification-round1.yaml")
    memos = coding.all_memos(store)
    assert all(any(m.text == n.text for m in memos) for n in notes)
    with store.unit_of_work() as uow:
        events = uow.events.list()
    drawn = [e.id for e in events if e.kind == "agreement.sample_drawn" and e.payload["name"] == "round2"]
    memo_events = [e.id for e in events if e.kind.startswith("memo")]
    assert drawn and memo_events and min(memo_events) < drawn[0]


def test_a_round_that_draws_other_documents_stops_the_build(tmp_path: Path) -> None:
    from qualcode.errors import QualcodeError
    from qualcode.services import demo_rounds

    store = create_project(tmp_path / "p.qualcode")
    try:
        corpus.import_paths(store, sorted(SBS.glob("0[1-4]_*.md")))
        folder = tmp_path / "corpus"
        (folder / "codings").mkdir(parents=True)
        (folder / "rounds.yaml").write_text(
            "rounds:\n  - name: r1\n    coders: [anna, bo]\n    size: 2\n    seed: 3\n"
            "    stratify_by: level\n    documents: [nosuch_a, nosuch_b]\n", encoding="utf-8")
        with pytest.raises(QualcodeError, match="rounds.yaml:2: round 'r1' now draws"):
            demo_rounds.replay_rounds(store, folder, demo.add_memo_notes)
    finally:
        store.close()
    # drawn from a recorded set, a draw that gives other documents stops the build all the
    # same, and so does a recorded set naming a document the corpus no longer has
    for name, members, match in (("q.qualcode", "01_processtodjare, 02_dialogledare, 03_forvaltningschef",
                                  "rounds.yaml:5: round 'r1' now draws"),
                                 ("r.qualcode", "01_processtodjare, nosuch_c", "rounds.yaml:2: set 'frame'")):
        store = create_project(tmp_path / name)
        try:
            corpus.import_paths(store, sorted(SBS.glob("0[1-4]_*.md")))
            (folder / "rounds.yaml").write_text(
                f"sets:\n  - name: frame\n    documents: [{members}]\n"
                "rounds:\n  - name: r1\n    coders: [anna, bo]\n    size: 2\n    seed: 3\n"
                "    drawn_from: frame\n    documents: [nosuch_a, nosuch_b]\n", encoding="utf-8")
            with pytest.raises(QualcodeError, match=match):
                demo_rounds.replay_rounds(store, folder, demo.add_memo_notes)
        finally:
            store.close()


def test_rounds_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rounds.yaml"
    path.write_text("rounds:\n  - name: r1\n    coders: [anna]\n    size: 2\n    seed: 1\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"rounds.yaml:2: round 'r1' needs two or more coders"):
        read_rounds(path)
    path.write_text("rounds:\n  - name: r1\n    coders: [anna, bo]\n    size: 2\n    seed: 1\n"
                    "    drawn_from: frame\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"rounds.yaml:2: round 'r1' is drawn from the set 'frame'"):
        read_rounds(path)
    path.write_text("sets:\n  - name: frame\nrounds: []\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"rounds.yaml:2: set 'frame' needs its 'documents'"):
        read_round_sets(path)
    path.write_text("sample: r1\nsupervisor: anna\ndecisions:\n  - document: d\n    code: c\n"
                    "    quote: q\n    decision: accept\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"rounds.yaml:4: 'accept' needs the 'coder'"):
        read_decisions(path)


def test_anna_codes_by_reading_not_by_quota(demo_store) -> None:  # type: ignore[no-untyped-def]
    """Every document is coded, and the counts follow the text: no budget shared by most files."""
    store, _ = demo_store
    with store.unit_of_work() as uow:
        anna = uow.coders.find("anna")
        assert anna is not None
        per_doc = Counter(c.document_id for c in uow.codings.list() if c.coder_id == anna.id)
        documents = uow.documents.list()
    counts = [per_doc[d.id] for d in documents]
    assert min(counts) >= 20, counts
    assert len(set(counts)) > 1, counts
    _, most_common = Counter(counts).most_common(1)[0]
    assert most_common <= len(documents) // 2, counts


def test_every_code_is_used_or_defers_to_its_children(demo_store) -> None:  # type: ignore[no-untyped-def]
    """A code anna never used must be a parent whose codebook says to prefer a child code."""
    store, _ = demo_store
    for slug in demo.SHIPPED_CODEBOOKS:
        _, nodes = codebook.code_tree(store, slug, coder="anna")
        parents = {n.code.parent_id for n in nodes}
        unused = [n.code for n in nodes if n.count == 0]
        for code in unused:
            assert code.id in parents and "prefer" in code.exclusion.lower(), (slug, code.key)
        used_parents = {n.code.parent_id for n in nodes if n.count > 0}
        assert all(c.id in used_parents for c in unused), (slug, [c.key for c in unused])


def test_most_codes_have_fifteen_codings(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo_store
    leaves = []
    for slug in demo.SHIPPED_CODEBOOKS:
        _, nodes = codebook.code_tree(store, slug, coder="anna")
        parents = {n.code.parent_id for n in nodes}
        leaves += [n for n in nodes if n.code.id not in parents]
    rich = [n for n in leaves if n.count >= 15]
    assert len(rich) >= 0.8 * len(leaves), sorted((n.count, n.code.key) for n in leaves)


def test_demo_codings_sit_inside_one_turn(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo_store
    with store.unit_of_work() as uow:
        codings = uow.codings.list()
        turns = {d.id: uow.documents.turns(d.id) for d in uow.documents.list()}
    for c in codings:
        assert any(t.start <= c.start and c.end <= t.end for t in turns[c.document_id]), c


@pytest.mark.parametrize("folder", sorted(p for p in (REPO / "corpora").iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_every_shipped_corpus_imports_cleanly(folder: Path, tmp_path: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".md", ".txt", ".vtt", ".srt", ".docx"))
    files = [p for p in files if p.name != "README.md"]
    assert files
    store = create_project(tmp_path / "p.qualcode")
    try:
        speakers = folder / "speakers.yaml"
        report = corpus.import_paths(store, files, speaker_map=speakers if speakers.exists() else None)
        assert not report.failed and len(report.imported) == len(files)
        assert not [n for n in report.notices if "not in" in n], report.notices
        for summary in report.imported:
            assert summary.turn_count >= 10 and summary.sentence_count >= summary.turn_count
    finally:
        store.close()


@pytest.mark.parametrize("folder", [SBS, REPO / "corpora" / "english-demo"], ids=lambda p: p.name)
def test_coder_files_name_existing_transcripts(folder: Path) -> None:
    stems = {p.stem for p in folder.glob("*.md") if p.name != "README.md"}
    files = sorted((folder / "codings").rglob("*.yaml"))
    assert files
    for path in files:
        coded = read_anchored_codings(path)
        assert coded.document in stems, path
        assert coded.coder == path.relative_to(folder / "codings").parts[0]
        text = read_source(folder / f"{coded.document}.md").text
        for item in coded.codings:
            assert text.count(item.quote) >= item.occurrence, (path, item.line)


def test_the_english_demo_is_coded_and_its_word_appendix_is_english(tmp_path: Path) -> None:
    from docx import Document

    from qualcode.importers.language import detect_language
    from qualcode.services import export

    store, report = demo.build_demo(tmp_path / "english-demo.qualcode", ready=False, corpus_name="english-demo")
    try:
        documents = corpus.list_documents(store)
        per_doc = Counter(c.document_id for c in coding.list_codings(store, coder="anna", limit=None))
        assert len(documents) == 3 and set(per_doc) == {d.id for d in documents}
        assert report.codings == sum(per_doc.values()) and not report.rounds
        export.export_quotes(store, tmp_path / "appendix.docx", codebook="loose-coupling")
    finally:
        store.close()
    word = Document(str(tmp_path / "appendix.docx"))
    assert any(p.text.startswith("Appendix: Loose coupling") for p in word.paragraphs)
    examples = [row.cells[-1].text for table in word.tables for row in table.rows[1:] if row.cells[-1].text]
    assert examples and all(detect_language(e) == "en" for e in examples), examples


def test_the_english_demo_has_no_report(tmp_path: Path) -> None:
    result = _demo_cli(tmp_path, "--english", "--bare", "--report", str(tmp_path / "r.md"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--report describes the Swedish demo" in result.stdout + result.stderr
    assert not list(tmp_path.glob("*.qualcode"))


# ------------------------------------------------- --rebuild never loses work silently


def _demo_cli(folder: Path, *args: str):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run([str(Path(sys.executable).with_name("qualcode")), "demo", "--no-open", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=900)


def _dump(path: Path) -> list[str]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _demo_copy(demo_file: Path, folder: Path) -> Path:
    import shutil

    target = folder / demo.DEMO_FILE
    shutil.copy(demo_file, target)
    return target


def test_an_untouched_demo_holds_no_work_and_a_memo_is_work(demo_file: Path, tmp_path: Path) -> None:
    from qualcode.services import coding
    from qualcode.services.project import open_project

    target = _demo_copy(demo_file, tmp_path)
    assert demo.work_beyond_build(target) is None
    store = open_project(target)
    coding.add_memo(store, "project", None, "My reading of the whole study.", "cara")
    store.close()
    assert "memos" in (demo.work_beyond_build(target) or "")


def test_rebuild_refuses_a_demo_with_work_and_changes_nothing(demo_file: Path, tmp_path: Path) -> None:
    from qualcode.services import coding
    from qualcode.services.project import open_project

    target = _demo_copy(demo_file, tmp_path)
    store = open_project(target)
    first = coding.list_codings(store, limit=1)[0]
    coding.remove_coding(store, first.id, "cara")
    store.close()
    before = _dump(target)
    result = _demo_cli(tmp_path, "--rebuild")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "holds work" in result.stdout + result.stderr and "--force" in result.stdout + result.stderr
    assert _dump(target) == before and not list(tmp_path.glob("*.bak"))


def test_rebuild_refuses_a_file_that_is_no_demo(tmp_path: Path) -> None:
    target = tmp_path / demo.DEMO_FILE
    target.write_text("my notes, not a project\n", encoding="utf-8")
    result = _demo_cli(tmp_path, "--rebuild")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert target.read_text(encoding="utf-8") == "my notes, not a project\n"


def test_rebuild_with_force_keeps_a_private_bak_first(demo_file: Path, tmp_path: Path) -> None:
    import os
    import sqlite3

    from qualcode.services import coding
    from qualcode.services.project import open_project

    target = _demo_copy(demo_file, tmp_path)
    store = open_project(target)
    coding.add_memo(store, "project", None, "Kept in the backup.", "cara")
    store.close()
    os.chmod(target, 0o600)
    result = _demo_cli(tmp_path, "--rebuild", "--force", "--quiet", "--bare")
    assert result.returncode == 0, result.stdout + result.stderr
    backup = tmp_path / (demo.DEMO_FILE + ".bak")
    assert oct(backup.stat().st_mode & 0o777) == oct(0o600)
    kept = sqlite3.connect(backup)
    assert kept.execute("SELECT count(*) FROM memos WHERE text = 'Kept in the backup.'").fetchone() == (1,)
    kept.close()
    assert demo.work_beyond_build(target) is None


def test_demo_is_ready_to_use(demo_store) -> None:  # type: ignore[no-untyped-def]
    """Vectors of the fast embedder, one topic run and memos of every kind are there at once."""
    store, report = demo_store
    assert report.topic_run is not None and report.topics >= 5
    runs = topics.list_runs(store)
    assert [r.label for r in runs] == [demo.DEMO_TOPIC_LABEL]
    assert runs[0].parameters["exclude"] == demo.DEMO_TOPIC_EXCLUDE
    model = embedding_cache.stored_info(store, embedding_cache.resolve(store, demo.DEMO_EMBEDDER))
    assert model is not None and report.embedded >= 1900
    kinds = Counter(m.target_kind for m in coding.all_memos(store))
    assert kinds["project"] >= 1 and kinds["code"] >= 2 and kinds["document"] >= 2 and kinds["coding"] > 0


def test_memo_file_names_its_targets() -> None:
    notes = read_memo_notes(SBS / "memos.yaml")
    stems = {p.stem for p in SBS.glob("*.md") if p.name != "README.md"}
    assert notes
    for note in notes:
        assert note.kind in {"project", "document", "code"}
        if note.kind == "document":
            assert note.target in stems, note


def test_memo_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "memos.yaml"
    path.write_text("memos:\n  - kind: code\n    coder: anna\n    text: no target\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"memos.yaml:2: a code memo needs a 'target'"):
        read_memo_notes(path)


def test_demo_report_describes_the_project(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo_store
    text = demo_report.demo_report(store)
    assert "| code | owner | school | state | university |" in text
    assert "Chi-square(" in text and "Cramér's V" in text
    assert "Three coders (anna, bo and cecilia) independently coded" in text
    assert "sample 'round1'" in text and "sample 'round2'" in text
    assert "Fleiss' kappa" in text and "Convergence from round1 to round2" in text
    assert "| anna, bo (Cohen's kappa) |" in text and "were adjudicated into the coder" in text
    assert f"run '{demo.DEMO_TOPIC_LABEL}'" in text and "| topic | size | top terms |" in text


def test_readme_section_is_the_report_of_the_shipped_demo(demo_store) -> None:  # type: ignore[no-untyped-def]
    """The README quotes what the demo gives: rerun 'make demo-report' when the demo changes.

    Topic terms are left out of the comparison: UMAP's layout may differ in the last digits
    between machines. The comparison and agreement figures are exact.
    """
    store, _ = demo_store
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(demo_report.START_MARK), readme.index(demo_report.END_MARK)
    shipped = readme[start + len(demo_report.START_MARK):end]
    fresh = demo_report.demo_report(store)
    assert shipped.split("**Topics**")[0].strip() == fresh.split("**Topics**")[0].strip()


def test_report_goes_between_the_markers_and_never_over_a_file(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"# Title\n{demo_report.START_MARK}\nold\n{demo_report.END_MARK}\nafter\n", encoding="utf-8")
    demo_report.write_report("new text\n", page)
    assert page.read_text(encoding="utf-8") == (
        f"# Title\n{demo_report.START_MARK}\nnew text\n{demo_report.END_MARK}\nafter\n")
    other = tmp_path / "notes.md"
    other.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(ExportError, match="has no demo report section"):
        demo_report.write_report("new text\n", other)
    assert other.read_text(encoding="utf-8") == "keep me\n"
    demo_report.write_report("fresh\n", tmp_path / "new.md")
    assert (tmp_path / "new.md").read_text(encoding="utf-8") == "fresh\n"
