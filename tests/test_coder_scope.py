"""Comparisons count one coder unless told to pool, and say whose codings they count.

A small project (three transcripts at two levels, one codebook) coded by two coders
who double-coded the same passages of one document: pooled, each such passage counts
twice. Checked through the installed ``qualcode`` script (compare, export figure,
coders) and through the service.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.services import codebook, coder_scope, coding, corpus, workbench
from qualcode.services.agreement import CONSENSUS
from qualcode.services.project import create_project
from qualcode.storage.store import Store

BOOK = CodebookSpec(slug="steer", name="Steering", version="1", codes=(
    CodeSpec("st.plan", "Planning", colour="#2E86C1"),
    CodeSpec("st.follow", "Follow-up", colour="#C0392B"),
))

TEXTS = {
    "a_school": ("school", "Rektor: Vi planerar varje höst. Sedan följer vi upp i mars. Det går bra."),
    "b_school": ("school", "Rektor: Planen kommer från förvaltningen. Vi fyller i mallen."),
    "c_owner": ("owner", "Chef: Vi följer upp alla skolor. Vi planerar med rektorerna."),
}


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, (level, text) in TEXTS.items():
        (tmp_path / f"{name}.md").write_text(f"---\nlevel: {level}\n---\n\n{text}\n", encoding="utf-8")
    path = tmp_path / "scope.qualcode"
    store = create_project(path, name="Scope")
    try:
        report = corpus.import_paths(store, sorted(tmp_path.glob("*.md")))
        assert not report.failed, report.failed
        codebook.load_spec(store, BOOK)
        for document in (1, 2, 3):  # anna codes every document's first sentence
            first = workbench.open_document(store, document).sentences[0]
            coding.apply_code(store, document, "st.plan", "anna", coding.Span(first.start, first.end))
        sentences = workbench.open_document(store, 1).sentences
        for s in sentences[:3]:  # bo codes one document, three sentences: one the same as anna
            coding.apply_code(store, 1, "st.plan", "bo", coding.Span(s.start, s.end))
    finally:
        store.close()
    return path


def _cell(matrix: dict, code: str, column: str) -> float:  # type: ignore[type-arg]
    row = next(r for r in matrix["rows"] if r["key"] == code)
    return float(row["values"][matrix["columns"].index(column)])


def test_the_default_is_the_coder_of_most_documents_and_says_so(project: Path) -> None:
    store = Store.open(project)
    try:
        scope = coder_scope.resolve(store, None, by="level")
        assert scope.coders == ("anna",)  # bo has more codings in school, anna more documents
        assert "anna" in scope.note and "--coder all" in scope.note
        assert coder_scope.resolve(store, ["all"]).coders == ()
        assert coder_scope.resolve(store, None, by="coder").coders == ()
        assert coder_scope.resolve(store, ["bo"]).coders == ("bo",)
    finally:
        store.close()


def test_compare_counts_one_coder_by_default_and_pools_on_request(project: Path) -> None:
    default = _qualcode("compare", "steer", "--by", "level", "--json", "--db", str(project), cwd=project.parent)
    assert default.returncode == 0, default.stderr
    one = json.loads(default.stdout)
    assert _cell(one, "st.plan", "school") == 2  # anna: one passage in each school document
    assert one["coders_note"].startswith("Coder: anna")
    pooled = json.loads(_qualcode("compare", "steer", "--by", "level", "--coder", "all", "--json",
                                  "--db", str(project), cwd=project.parent).stdout)
    assert _cell(pooled, "st.plan", "school") == 5  # bo's three on top: the shared passage twice
    shown = _qualcode("compare", "steer", "--by", "level", "--db", str(project), cwd=project.parent)
    assert "Coder: anna (most documents coded of 2 coders)" in " ".join(shown.stdout.split())


def test_the_consensus_coder_is_the_default_where_there_is_one(project: Path) -> None:
    store = Store.open(project)
    try:
        first = workbench.open_document(store, 1).sentences[0]
        coding.apply_code(store, 1, "st.follow", CONSENSUS, coding.Span(first.start, first.end))
        partly = coder_scope.resolve(store, None, by="level")  # agreed codings in one document of three
        assert partly.coders == ("anna",) and f"{CONSENSUS} has agreed codings in only 1" in partly.note
        for document in (2, 3):
            first = workbench.open_document(store, document).sentences[0]
            coding.apply_code(store, document, "st.follow", CONSENSUS, coding.Span(first.start, first.end))
    finally:
        store.close()
    result = json.loads(_qualcode("compare", "steer", "--by", "level", "--json", "--db", str(project),
                                  cwd=project.parent).stdout)
    assert result["coders_note"].startswith(f"Coder: {CONSENSUS}")
    assert _cell(result, "st.follow", "school") == 2
    assert "st.plan" not in [r["key"] for r in result["rows"]]  # nobody's codings but the agreed ones


def test_export_figure_says_what_it_wrote_and_whose_codings(project: Path) -> None:
    figure = project.parent / "level.png"
    result = _qualcode("export", "figure", str(figure), "--codebook", "steer", "--by", "level", "--values",
                       "--db", str(project), cwd=project.parent)
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert said.startswith(f"Wrote a figure of 1 row to {figure}.") and "Coder: anna" in said
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_coders_lists_every_coder_with_counts(project: Path) -> None:
    result = _qualcode("coders", "--json", "--db", str(project), cwd=project.parent)
    assert result.returncode == 0, result.stderr
    assert {r["name"]: (r["codings"], r["documents"]) for r in json.loads(result.stdout)} == {
        "anna": (3, 3), "bo": (3, 1)}
    table = _qualcode("coders", "--db", str(project), cwd=project.parent).stdout
    assert "anna" in table and "bo" in table
