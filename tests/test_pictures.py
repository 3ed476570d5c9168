"""Coding as a picture: the data behind the codeline, the code x document overview and
the co-occurrence network, checked by hand on two small interviews; then the files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.core.pictures import covered, merged, strip
from qualcode.errors import AnalysisError, ExportError, NotFoundError
from qualcode.exporters.coding_pictures import network_layout
from qualcode.services import corpus, pictures
from qualcode.services.coding import Span, apply_code
from qualcode.storage.store import Store

SCHOOL = "skola2_rektorer"
OWNER = "forvaltning"
QUIET = "tystnad"
OWNER_TEXT = """---
level: owner
role: verksamhetschef
---

Intervjuare: Hur följer ni upp skolornas resultat?

Verksamhetschef: Vi skickar en mall till skolorna varje vår. Rektorerna fyller i den och sedan har vi dialog. Lärarna hör vi sällan direkt.
"""
QUIET_TEXT = """---
level: owner
---

Intervjuare: Något att tillägga?

Verksamhetschef: Nej, inget mer.
"""

# (document, phrase, code, coder)
CODINGS = [
    (SCHOOL, "Vi har en kvalitetsdialog med förvaltningen varje höst.", "dialogue", "anna"),
    (SCHOOL, "Vi har en kvalitetsdialog", "followup", "anna"),
    (SCHOOL, "Lärarna ser sällan underlagen.", "voice", "anna"),
    (SCHOOL, "Arbetslagen får siffrorna i oktober.", "dialogue", "bo"),
    (OWNER, "Vi skickar en mall till skolorna varje vår.", "followup", "anna"),
    (OWNER, "en mall till skolorna", "followup", "anna"),
    (OWNER, "Lärarna hör vi sällan direkt.", "voice", "anna"),
    (OWNER, "Vi skickar en mall", "voice", "bo"),
]


def where(store: Store, document: str, phrase: str) -> tuple[int, int]:
    text = corpus.view_document(store, document).text
    start = text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def drawn(coded_store: Store, tmp_path: Path) -> Store:
    """The shared group interview, an owner interview and one without codings, coded as CODINGS."""
    speakers = tmp_path / "owner_speakers.yaml"
    speakers.write_text("speakers:\n  Intervjuare: {role: intervjuare, level: research}\n", encoding="utf-8")
    files = []
    for name, text in ((OWNER, OWNER_TEXT), (QUIET, QUIET_TEXT)):
        files.append(tmp_path / f"{name}.md")
        files[-1].write_text(text, encoding="utf-8")
    report = corpus.import_paths(coded_store, files, speaker_map=speakers)
    assert not report.failed, report.failed
    for document, phrase, key, coder in CODINGS:
        start, end = where(coded_store, document, phrase)
        apply_code(coded_store, document, key, coder, Span(start, end))
    return coded_store


# ------------------------------------------------------------------ strips


def test_union_and_strip_shading() -> None:
    assert merged([(5, 8), (0, 3), (2, 4), (8, 9)]) == [(0, 4), (5, 9)]
    assert covered([(0, 10), (5, 15), (20, 25)]) == 20
    # 100 characters in 10 cells: a whole cell, half a cell, nothing
    line = strip([(0, 10), (50, 55)], 100, 10)
    assert len(line) == 10
    assert line[0] == "█" and line[5] not in (" ", "█") and line[9] == " "
    assert strip([], 0, 4) == "    " and strip([(0, 1)], 10, 0) == ""


# ------------------------------------------------------------------ codeline


def test_codeline_rows_and_positions(drawn: Store) -> None:
    line = pictures.codeline(drawn, SCHOOL, codebook="steering", coders=("anna",))
    assert [r.key for r in line.rows] == ["followup", "dialogue", "voice"]  # codebook order
    spans = {r.key: r.spans for r in line.rows}
    assert spans["dialogue"] == (where(drawn, SCHOOL, "Vi har en kvalitetsdialog med förvaltningen varje höst."),)
    assert spans["followup"] == (where(drawn, SCHOOL, "Vi har en kvalitetsdialog"),)
    assert line.length == len(corpus.view_document(drawn, SCHOOL).text)
    assert "coder: anna" in line.caption
    interviewer = [t for t in line.turns if t[3]]
    assert interviewer and all(t[2] == "Intervjuare" for t in interviewer)
    assert len(line.turns) == 4


def test_codeline_pools_or_splits_coders(drawn: Store) -> None:
    pooled = pictures.codeline(drawn, SCHOOL, codebook="steering")
    assert len({r.key: r for r in pooled.rows}["dialogue"].spans) == 2
    assert "every coder pooled" in pooled.caption
    split = pictures.codeline(drawn, SCHOOL, codebook="steering", per_coder=True)
    assert [(r.key, r.coder) for r in split.rows] == [
        ("followup", "anna"), ("dialogue", "anna"), ("dialogue", "bo"), ("voice", "anna")]


def test_codeline_leaves_out_codes_without_codings_unless_asked(drawn: Store) -> None:
    line = pictures.codeline(drawn, SCHOOL, codebook="steering", coders=("bo",))
    assert [r.key for r in line.rows] == ["dialogue"]
    full = pictures.codeline(drawn, SCHOOL, codebook="steering", coders=("bo",), include_empty=True)
    assert [r.key for r in full.rows] == ["followup", "dialogue", "voice"]
    with pytest.raises(AnalysisError, match=QUIET):
        pictures.codeline(drawn, QUIET, codebook="steering")


def test_codeline_refuses_unknown_document_code_and_coder(drawn: Store) -> None:
    with pytest.raises(NotFoundError, match="nosuch"):
        pictures.codeline(drawn, "nosuch")
    with pytest.raises(NotFoundError, match="nocode"):
        pictures.codeline(drawn, SCHOOL, codes=("nocode",))
    with pytest.raises(NotFoundError, match="nobody"):
        pictures.codeline(drawn, SCHOOL, coders=("nobody",))


# ------------------------------------------------------------------ code x document


def test_code_matrix_counts_and_shares(drawn: Store) -> None:
    matrix = pictures.code_matrix(drawn, codebook="steering", coders=("anna",))
    assert matrix.documents == (OWNER, SCHOOL, QUIET)  # every document, codings or not
    counts = {k: dict(zip(matrix.documents, row, strict=True)) for k, row in zip(matrix.row_keys, matrix.counts, strict=True)}
    assert counts["followup"] == {OWNER: 2, SCHOOL: 1, QUIET: 0}
    assert counts["dialogue"] == {OWNER: 0, SCHOOL: 1, QUIET: 0}
    assert counts["voice"] == {OWNER: 1, SCHOOL: 1, QUIET: 0}
    share = {k: dict(zip(matrix.documents, row, strict=True)) for k, row in zip(matrix.row_keys, matrix.shares, strict=True)}
    owner_length = len(corpus.view_document(drawn, OWNER).text)
    # the two follow-up codings overlap: the longer one holds the shorter
    assert share["followup"][OWNER] == pytest.approx(len("Vi skickar en mall till skolorna varje vår.") / owner_length)
    assert share["dialogue"][QUIET] == 0.0
    assert matrix.values() == tuple(tuple(float(v) for v in row) for row in matrix.counts)
    pooled = pictures.code_matrix(drawn, codebook="steering", measure="share")
    assert pooled.values() == pooled.shares
    assert dict(zip(pooled.documents, pooled.counts[pooled.row_keys.index("dialogue")], strict=True))[SCHOOL] == 2


def test_code_matrix_filters_and_refusals(drawn: Store) -> None:
    owners = pictures.code_matrix(drawn, codebook="steering", attributes={"level": ["owner"]})
    assert owners.documents == (OWNER, QUIET)
    rolled = pictures.code_matrix(drawn, codebook="steering", coders=("anna",), level=0, rollup=True)
    assert rolled.row_keys == ("followup", "voice")
    assert rolled.counts[0][rolled.documents.index(SCHOOL)] == 2  # its own and its sub-code's
    with pytest.raises(AnalysisError, match="measure"):
        pictures.code_matrix(drawn, codebook="steering", measure="percent")
    with pytest.raises(NotFoundError, match="--attr nosuch: no document or speaker has the attribute 'nosuch'"):
        pictures.code_matrix(drawn, codebook="steering", attributes={"nosuch": ["x"]})
    with pytest.raises(NotFoundError, match="nocode"):
        pictures.code_matrix(drawn, codebook="steering", codes=("nocode",))
    with pytest.raises(NotFoundError, match="nobook"):
        pictures.code_matrix(drawn, codebook="nobook")


# ------------------------------------------------------------------ network


def test_network_nodes_and_edges_from_cooccurrence(drawn: Store) -> None:
    net = pictures.code_network(drawn, codebook="steering", coders=("anna",))
    nodes = {n.key: n.codings for n in net.nodes}
    assert nodes == {"followup": 3, "dialogue": 1, "voice": 2}
    keys = [n.key for n in net.nodes]
    edges = {(keys[a], keys[b]): w for a, b, w in net.edges}
    # anna's follow-up overlaps her dialogue coding in the school; nothing else overlaps
    assert edges == {("followup", "dialogue"): 1}
    pooled = pictures.code_network(drawn, codebook="steering")
    keys = [n.key for n in pooled.nodes]
    edges = {(keys[a], keys[b]): w for a, b, w in pooled.edges}
    assert edges[("followup", "voice")] == 2  # bo's 'Vi skickar en mall' inside both follow-ups
    assert "every coder pooled" in pooled.caption


def test_network_passages_are_the_codings_behind_an_edge(drawn: Store) -> None:
    pooled = pictures.network_passages(drawn, "followup", "voice", codebook="steering")
    # bo's 'Vi skickar en mall' inside both of anna's follow-ups in the owner interview
    owner = corpus.view_document(drawn, OWNER).summary.id
    assert pooled == tuple(sorted((owner, *where(drawn, OWNER, phrase)) for phrase in (
        "Vi skickar en mall till skolorna varje vår.", "en mall till skolorna", "Vi skickar en mall")))
    assert pictures.network_passages(drawn, "voice", "followup", codebook="steering") == pooled
    assert pictures.network_passages(drawn, "followup", "voice", codebook="steering", coders=("anna",)) == ()
    assert "within 1 sentence;" in pictures.code_network(drawn, codebook="steering", mode="near").caption
    with pytest.raises(NotFoundError, match="nonesuch"):
        pictures.network_passages(drawn, "followup", "nonesuch", codebook="steering")


def test_network_layout_is_fixed_by_its_seed(drawn: Store) -> None:
    net = pictures.code_network(drawn, codebook="steering")
    assert network_layout(net, seed=3) == network_layout(net, seed=3)
    assert network_layout(net, seed=3) != network_layout(net, seed=4)
    with pytest.raises(AnalysisError, match="mode"):
        pictures.code_network(drawn, codebook="steering", mode="nearby")


# ------------------------------------------------------------------ files


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_each_picture_is_written_and_never_overwritten(drawn: Store, tmp_path: Path, suffix: str) -> None:
    exports = [
        (lambda p, **kw: pictures.export_codeline(drawn, p, SCHOOL, codebook="steering", **kw), "codeline"),
        (lambda p, **kw: pictures.export_code_matrix(drawn, p, codebook="steering", **kw), "matrix"),
        (lambda p, **kw: pictures.export_network(drawn, p, codebook="steering", **kw), "network"),
    ]
    for export, name in exports:
        path = tmp_path / f"{name}.{suffix}"
        made = export(path, dpi=72)
        assert made.items > 0
        head = path.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in path.read_bytes()[:2000] or b"<?xml" in head
        before = path.read_bytes()
        with pytest.raises(ExportError, match="already exists"):
            export(path, dpi=72)
        assert path.read_bytes() == before
        export(path, dpi=72, overwrite=True)
        assert path.stat().st_size > 0
    with pytest.raises(ExportError, match="png, svg"):
        pictures.export_network(drawn, tmp_path / "net.pdf", codebook="steering")


def test_the_same_project_draws_the_same_svg(drawn: Store, tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    pictures.export_network(drawn, first, codebook="steering")
    pictures.export_network(drawn, second, codebook="steering")
    assert first.read_bytes() == second.read_bytes()
    pictures.export_network(drawn, second, codebook="steering", seed=99, overwrite=True)
    assert first.read_bytes() != second.read_bytes()  # another seed, another layout


def _qualcode(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    script = Path(sys.executable).with_name("qualcode")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "qualcode"]
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=120)


def test_console_script_draws_and_refuses(drawn: Store, target: str, tmp_path: Path) -> None:
    if drawn.dialect != "sqlite":
        pytest.skip("the console script is checked once, on SQLite")
    db = target
    out = tmp_path / "line.png"
    done = _qualcode("export", "codeline", str(out), "--doc", SCHOOL, "-c", "steering", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "Coder: anna" in " ".join(done.stdout.split()) and out.stat().st_size > 0
    again = _qualcode("export", "codeline", str(out), "--doc", SCHOOL, "--db", db)
    assert again.returncode != 0 and "already exists" in again.stderr and "Traceback" not in again.stderr
    missing = _qualcode("export", "code-matrix", str(tmp_path / "m.png"), "-c", "steering", "--code", "nocode",
                        "--db", db)
    assert missing.returncode != 0 and "nocode" in missing.stderr and "Traceback" not in missing.stderr
    net = _qualcode("export", "network", str(tmp_path / "n.svg"), "-c", "steering", "--coder", "all",
                    "--quiet", "--db", db)
    assert net.returncode == 0, net.stderr
    assert net.stdout.strip().endswith("n.svg") and (tmp_path / "n.svg").stat().st_size > 0


def test_every_figure_exporter_loads_matplotlib_on_first_draw_with_the_agg_backend() -> None:
    """A server or an SSH session has no display: each exporter draws with Agg, and
    importing one costs no matplotlib."""
    check = ("import sys\n"
             "import qualcode.exporters.coding_pictures, qualcode.exporters.figures, "
             "qualcode.exporters.keyness_plot, qualcode.exporters.reliability_figure, "
             "qualcode.exporters.topic_figures\n"
             "assert 'matplotlib' not in sys.modules, 'imported with an exporter'\n"
             "from qualcode.exporters.headless import pyplot\n"
             "print(pyplot().get_backend())\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "MPLBACKEND": "svg"}  # another backend asked for: the exporters still draw with Agg
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().lower() == "agg"
