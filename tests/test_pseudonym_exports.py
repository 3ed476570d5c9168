"""Pseudonymised matrices, figures, the methods summary, topic terms and .qdpx on the demo
corpus; the .qdpx re-imported with every coding on its pseudonymised passage."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from qualcode.core.pseudonyms import Pseudonym, Renderer
from qualcode.services import compare, exchange, export
from qualcode.services import pseudonyms as service
from qualcode.services.project import open_project
from qualcode.services.pseudonym_outputs import render_topic
from qualcode.storage.repositories.topics import Topic
from qualcode.storage.store import Store
from tests.test_pseudonym_outputs import TABLE, leaks


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Store:
    path = tmp_path / "demo.qualcode"
    shutil.copy(demo_file, path)
    store = open_project(path)
    for original, replacement, category in TABLE:
        service.add(store, service.make_entry(original, replacement, category))
    yield store
    store.close()


def _query(by: str = "title") -> compare.ComparisonQuery:
    return compare.ComparisonQuery(codebook="loose-coupling", by=by)


def test_matrix_labels_and_notes_are_pseudonymised(demo: Store, tmp_path: Path) -> None:
    plain, masked = tmp_path / "plain.csv", tmp_path / "masked.csv"
    export.export_matrix(demo, plain, _query(), pseudonymise=False)
    export.export_matrix(demo, masked, _query(), pseudonymise=True)
    assert leaks(plain.read_text(encoding="utf-8"))  # the titles name the schools
    assert leaks(masked.read_text(encoding="utf-8")) == []
    assert "skola A" in masked.read_text(encoding="utf-8")
    xlsx = tmp_path / "masked.xlsx"
    export.export_matrix(demo, xlsx, _query(), pseudonymise=True)
    from tests.test_pseudonym_outputs import _xlsx_text

    assert leaks(_xlsx_text(xlsx)) == []


def test_figure_labels_are_pseudonymised(demo: Store, tmp_path: Path) -> None:
    """An SVG keeps each label's text beside its glyphs, so the scan sees what is drawn."""
    plain, masked = tmp_path / "plain.svg", tmp_path / "masked.svg"
    export.export_figure(demo, plain, _query(), values=True, pseudonymise=False)
    export.export_figure(demo, masked, _query(), values=True, pseudonymise=True)
    assert leaks(plain.read_text(encoding="utf-8"))
    assert leaks(masked.read_text(encoding="utf-8")) == []


def test_the_methods_summary_is_pseudonymised(demo: Store, tmp_path: Path) -> None:
    plain, masked = tmp_path / "plain.md", tmp_path / "masked.md"
    export.export_methods(demo, plain, by=["municipality", "title"], pseudonymise=False)
    export.export_methods(demo, masked, by=["municipality", "title"], pseudonymise=True)
    assert leaks(plain.read_text(encoding="utf-8"))
    assert leaks(masked.read_text(encoding="utf-8")) == []
    assert "kommun X" in masked.read_text(encoding="utf-8")


def test_the_project_setting_pseudonymises_every_export_by_default(demo: Store, tmp_path: Path) -> None:
    service.set_default(demo, True)
    export.export_matrix(demo, tmp_path / "m.csv", _query())
    export.export_methods(demo, tmp_path / "m.md", by=["title"])
    exchange.export_qdpx(demo, tmp_path / "p.qdpx")
    assert leaks((tmp_path / "m.csv").read_text(encoding="utf-8")) == []
    assert leaks((tmp_path / "m.md").read_text(encoding="utf-8")) == []
    assert leaks(_qdpx_text(tmp_path / "p.qdpx")) == []
    export.export_matrix(demo, tmp_path / "plain.csv", _query(), pseudonymise=False)  # asked for explicitly
    assert leaks((tmp_path / "plain.csv").read_text(encoding="utf-8"))


def test_topic_terms_and_labels_are_rendered_one_by_one() -> None:
    compiled = Renderer([Pseudonym("Björkskolan", "skola A", "school")])
    topic = Topic(1, 1, 0, None, 10, (("björkskolan", 0.5), ("rektor", 0.3)), ())
    done = render_topic(compiled, topic)
    assert done.terms == (("skola A", 0.5), ("rektor", 0.3))
    assert done.name() == "skola A_rektor"  # the joined name would not have matched as a word
    assert render_topic(compiled, Topic(1, 1, 0, "Björkskolans lärare", 10, (), ())).name() == "skola A:s lärare"


def _qdpx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_a_pseudonymised_qdpx_reimports_with_every_coding_on_its_pseudonymised_passage(
        demo: Store, tmp_path: Path) -> None:
    compiled = service.renderer(demo)
    original = exchange.project_snapshot(demo)
    texts = {d.name: d.text for d in original.documents}
    plain, masked = tmp_path / "plain.qdpx", tmp_path / "masked.qdpx"
    exchange.export_qdpx(demo, plain, pseudonymise=False)
    exchange.export_qdpx(demo, masked, pseudonymise=True)
    assert leaks(_qdpx_text(plain))
    assert leaks(_qdpx_text(masked)) == []
    again, _report = exchange.import_qdpx_as_new(masked, tmp_path / "again.qualcode")
    try:
        back = exchange.project_snapshot(again)
    finally:
        again.close()
    new_texts = {d.name: d.text for d in back.documents}
    assert sorted(new_texts) == sorted(compiled.render(name) for name in texts)
    expected = sorted((compiled.render(c.document), c.codebook, c.code, c.coder,
                       compiled.render(texts[c.document][c.start:c.end])) for c in original.codings)
    got = sorted((c.document, c.codebook, c.code, c.coder, new_texts[c.document][c.start:c.end])
                 for c in back.codings)
    assert len(got) == len(original.codings) > 0
    assert got == expected
    moved = sum(1 for c in original.codings if compiled.spans(texts[c.document][:c.start]))
    assert moved > 0  # codings after a replaced name did move


def test_a_position_inside_a_name_widens_to_the_whole_replacement() -> None:
    compiled = Renderer([Pseudonym("Björkskolan", "skola A", "school")])
    text = "På Björkskolans gård och Björkskolan."
    done, move = compiled.render_with_offsets(text)
    assert done == "På skola A:s gård och skola A."
    assert done[move(5):move(10, True)] == "skola A:s"
    assert done[move(16):move(len(text), True)] == "gård och skola A."
    assert move(0) == 0


def test_topic_exports_render_terms_passages_and_refuse_html(tmp_path: Path) -> None:
    """A topic run whose terms include a table entry: the topics and assignments files
    carry its pseudonym only; BERTopic's HTML views cannot be pseudonymised and are refused."""
    import json
    import re

    from qualcode.errors import ExportError
    from qualcode.services import embedding_cache, topic_exports
    from qualcode.services import topics as topic_service
    from qualcode.services.project import create_project
    from tests.test_topics import FAST, BagEmbedder, _fill

    store = create_project(tmp_path / "topics.qualcode")
    try:
        _fill(store, tmp_path)
        embedding_cache.embed_project(store, BagEmbedder())
        view = topic_service.fit_topics(store, FAST, embedder=BagEmbedder(), label="Kommunen och pengarna")
        assert "kommun" in [t for topic in view.topics for t, _ in topic.terms]
        service.add(store, service.make_entry("Kommun", "ort X", "place", ["Kommunen"]))

        def left(text: str) -> bool:
            return re.search(r"(?<!\w)kommun(en|s|ens)?(?!\w)", text, re.IGNORECASE) is not None

        plain = topic_exports.export_run(store, view.run.id, tmp_path / "plain.json", pseudonymise=False)
        assert left(plain.read_text(encoding="utf-8"))
        for name, kind in (("t.json", "topics"), ("t.csv", "topics"), ("a.csv", "assignments"),
                           ("t.svg", "topics")):
            written = topic_exports.export_run(store, view.run.id, tmp_path / name, view=kind, pseudonymise=True)
            text = written.read_text(encoding="utf-8")
            assert not left(text), name
            assert "ort x" in text.lower(), name
        data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
        assert "ort X" in json.dumps(data, ensure_ascii=False)
        with pytest.raises(ExportError, match="cannot be pseudonymised"):
            topic_exports.export_run(store, view.run.id, tmp_path / "t.html", pseudonymise=True)
        assert not (tmp_path / "t.html").exists()
    finally:
        store.close()
