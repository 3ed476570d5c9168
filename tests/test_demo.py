"""The shipped demo: every corpus imports, and the demo project has real coded data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qualcode.importers.anchored_codings import read_anchored_codings
from qualcode.importers.base import read_source
from qualcode.services import codebook, corpus, demo
from qualcode.services.project import create_project

REPO = Path(__file__).resolve().parents[1]
SBS = REPO / "corpora" / "sbs-demo"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store, report = demo.build_demo(tmp_path_factory.mktemp("demo") / demo.DEMO_FILE)
    yield store, report
    store.close()


def test_demo_holds_corpus_codebooks_and_two_coders(demo_store) -> None:  # type: ignore[no-untyped-def]
    store, report = demo_store
    documents = corpus.list_documents(store)
    assert len(documents) >= 16
    assert all(1500 <= d.word_count <= 3000 for d in documents), [(d.name, d.word_count) for d in documents]
    assert {d.attributes["level"] for d in documents} == {"state", "owner", "school", "university"}
    assert [b.slug for b, _, _ in codebook.list_codebooks(store)] == list(demo.SHIPPED_CODEBOOKS)
    with store.unit_of_work() as uow:
        codings = uow.codings.list()
        coders = {c.id: c.name for c in uow.coders.list()}
    by_coder = Counter(coders[c.coder_id] for c in codings)
    assert by_coder["anna"] >= 600 and by_coder["bo"] > 0
    anna_docs = {c.document_id for c in codings if coders[c.coder_id] == "anna"}
    bo_docs = {c.document_id for c in codings if coders[c.coder_id] == "bo"}
    assert anna_docs == {d.id for d in documents}
    assert len(bo_docs) >= 5 and bo_docs <= anna_docs
    assert report.memos > 0


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


def test_coder_files_name_existing_transcripts() -> None:
    stems = {p.stem for p in SBS.glob("*.md") if p.name != "README.md"}
    for path in sorted((SBS / "codings").rglob("*.yaml")):
        coded = read_anchored_codings(path)
        assert coded.document in stems, path
        assert coded.coder == path.parent.name
        text = read_source(SBS / f"{coded.document}.md").text
        for item in coded.codings:
            assert text.count(item.quote) >= item.occurrence, (path, item.line)


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
    result = _demo_cli(tmp_path, "--rebuild", "--force", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    backup = tmp_path / (demo.DEMO_FILE + ".bak")
    assert oct(backup.stat().st_mode & 0o777) == oct(0o600)
    kept = sqlite3.connect(backup)
    assert kept.execute("SELECT count(*) FROM memos WHERE text = 'Kept in the backup.'").fetchone() == (1,)
    kept.close()
    assert demo.work_beyond_build(target) is None
