"""Importing at volume: segmentation in a worker process, bulk writes, the search index.

Big imports segment in a worker process while this one writes, and write rows in
batches without per-row triggers. None of that may change what is stored, so these
tests compare both ways of importing row by row and search by search.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.analysis import terms
from qualcode.importers.base import read_source
from qualcode.services import corpus, retrieval, segmentation
from qualcode.services.lemmas import lemmatizer
from qualcode.services.project import create_project, open_project
from qualcode.storage import migrate
from qualcode.storage.engine import locate, make_engine
from qualcode.storage.store import Store

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "sbs-demo"
FIXTURES = Path(__file__).with_name("fixtures")
TABLES = {
    "documents": "name, text, sha256, format, language, source_path, encoding, word_count",
    "document_attributes": "document_id, key, value",
    "speakers": "id, document_id, label",
    "speaker_attributes": "speaker_id, key, value",
    "turns": 'id, document_id, speaker_id, "index", start, "end", start_time, end_time',
    "segments": 'id, document_id, turn_id, kind, "index", start, "end"',
    "search_text": "segment_id, document_id, terms",
}
QUERIES = ["skola", "skolorna", "kvalitet dialog", "rektor", "och", "förvaltningen höst", "a", "inget_sådant"]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The demo transcripts plus files that fail, repeat or lack turns."""
    folder = tmp_path_factory.mktemp("sources")
    for path in sorted(DEMO.glob("*.md")):
        shutil.copy(path, folder / path.name)
    (folder / "zz_plain.txt").write_text("Bara text. Utan talare!\n\nEtt andra stycke här.\n", encoding="utf-8")
    (folder / "zz_binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (folder / "zz_copy.md").write_bytes((DEMO / "01_processtodjare.md").read_bytes())
    return [folder]


def _import(path: Path, sources: list[Path], *, worker: bool, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Import ``sources``; with ``worker`` also index for search every few documents, not once."""
    monkeypatch.setattr(segmentation, "_WORKER_MIN_BYTES", 0 if worker else sys.maxsize)
    monkeypatch.setattr(corpus, "_INDEX_EVERY", 300 if worker else sys.maxsize)
    store = create_project(path)
    report = corpus.import_paths(store, sources, speaker_map=DEMO / "speakers.yaml")
    assert [Path(p.path).name for p in report.failed] == ["zz_binary.txt", "zz_copy.md"]
    assert "already imported as '01_processtodjare'" in report.failed[1].reason
    assert len(report.imported) == len(list(DEMO.glob("*.md"))) + 1
    return store


def _rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        return {table: connection.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3").fetchall()
                for table, columns in TABLES.items()}
    finally:
        connection.close()


def test_worker_import_stores_what_an_in_process_import_stores(
        tmp_path: Path, sources: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    here = _import(tmp_path / "here.qualcode", sources, worker=False, monkeypatch=monkeypatch)
    monkeypatch.setattr(segmentation, "_worker_count", lambda: 2)  # documents spread over two workers
    there = _import(tmp_path / "there.qualcode", sources, worker=True, monkeypatch=monkeypatch)
    try:
        def listed(store: Store) -> list[tuple]:
            return [(d.name, d.word_count, d.attributes, d.turn_count, d.sentence_count, d.speaker_count)
                    for d in corpus.list_documents(store)]

        assert listed(here) == listed(there)
        for query in QUERIES:
            ours, theirs = retrieval.search(here, query, limit=None), retrieval.search(there, query, limit=None)
            assert ours.hits == theirs.hits and ours.total == theirs.total
    finally:
        here.close()
        there.close()
    assert _rows(tmp_path / "here.qualcode") == _rows(tmp_path / "there.qualcode")


def test_import_report_matches_what_is_stored(tmp_path: Path, sources: list[Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The summaries an import returns are made from what it wrote: they must equal a re-read."""
    store = _import(tmp_path / "p.qualcode", sources, worker=True, monkeypatch=monkeypatch)
    try:
        report = corpus.import_paths(store, [DEMO / "01_processtodjare.md"], force=True)
        (summary,) = report.imported
        assert summary.name == "01_processtodjare (2)"
        stored = {d.name: d for d in corpus.list_documents(store)}
        assert summary == stored[summary.name]
        view = corpus.view_document(store, summary.name)
        assert summary.sentence_count == len(view.sentences) > 0
        assert summary.word_count == terms.word_count(view.text)
    finally:
        store.close()


@pytest.mark.postgres
def test_worker_import_on_postgresql(pg_url: str, sources: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segmentation, "_WORKER_MIN_BYTES", 0)
    store = create_project(pg_url)
    try:
        report = corpus.import_paths(store, sources)
        assert len(report.imported) == len(list(DEMO.glob("*.md"))) + 1
        hits = retrieval.search(store, "kvalitetsdialog", limit=None).hits
        assert hits and all("kvalitetsdialog" in h.text.lower() for h in hits)
        for summary in report.imported:
            view = corpus.view_document(store, summary.name)
            assert len(view.sentences) == summary.sentence_count
            assert all(view.text[s.start:s.end].strip() == view.text[s.start:s.end] for s in view.sentences)
    finally:
        store.close()


def test_cancelled_worker_import_writes_nothing(tmp_path: Path, sources: list[Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segmentation, "_WORKER_MIN_BYTES", 0)
    store = create_project(tmp_path / "p.qualcode")
    cancel = threading.Event()
    cancel.set()
    try:
        report = corpus.import_paths(store, sources, cancel=cancel)
        assert not report.imported and "cancelled" in report.notices[-1]
        assert corpus.list_documents(store) == []
    finally:
        store.close()


def test_worker_starts_fresh_when_threads_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbench imports from a thread: then the worker is a new interpreter, not a fork."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert segmentation._process_context().get_start_method() == "spawn"
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(segmentation, "_WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(segmentation, "_process_context", lambda: multiprocessing.get_context("spawn"))
    store = create_project(tmp_path / "p.qualcode")
    try:
        report = corpus.import_paths(store, [DEMO / "01_processtodjare.md", DEMO / "02_dialogledare.md"])
        assert not report.failed and all(d.sentence_count > 0 for d in report.imported)
    finally:
        store.close()


def _die(*_args: object) -> None:
    os._exit(1)


def test_import_goes_on_when_the_worker_dies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A killed worker (out of memory, say) costs speed, not documents."""
    monkeypatch.setattr(segmentation, "_WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(segmentation, "_LOOKAHEAD", 2)  # later documents meet a broken pool on hand-over
    monkeypatch.setattr(segmentation, "_segment_spans", _die)
    monkeypatch.setattr(segmentation, "_process_context", lambda: multiprocessing.get_context("fork"))
    store = create_project(tmp_path / "p.qualcode")
    try:
        report = corpus.import_paths(store, sorted(DEMO.glob("0*.md")))
        assert not report.failed and len(report.imported) == len(list(DEMO.glob("0*.md")))
        assert all(d.sentence_count > 0 for d in report.imported)
    finally:
        store.close()


# ------------------------------------------------------------------ search terms

WORDS = st.text(alphabet=st.sampled_from("abcåäöÅÄÖ İıΣσςΟΔ_'’.,!? \n1é"), max_size=80)


@settings(max_examples=200, deadline=None)
@given(text=WORDS, cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=6))
def test_sentence_terms_are_index_terms_of_each_sentence(text: str, cuts: list[int]) -> None:
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    spans = [(start, end, None) for start, end in zip(bounds, bounds[1:], strict=False)]
    for language in ("sv", "en"):
        assert segmentation.sentence_terms(text, spans, language) == (
            [terms.index_terms(text[start:end], lemmatizer(language).index_lookup(terms.words(text[start:end])))
             for start, end, _ in spans],
            terms.word_count(text))


COLD_LOOKUP = """
import json, sys
from qualcode.analysis import terms
from qualcode.services import segmentation
from qualcode.services.lemmas import lemmatizer

text, cut, language = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spans = [(0, cut, None), (cut, len(text), None)]
cold = segmentation.sentence_terms(text, spans, language)[0]  # nothing looked up before
warm = [terms.index_terms(text[start:end], lemmatizer(language).index_lookup(terms.words(text[start:end])))
        for start, end, _ in spans]
print(json.dumps({"cold": cold, "warm": warm, "again": segmentation.sentence_terms(text, spans, language)[0]}))
"""


@pytest.mark.parametrize(("text", "cut", "language"), [("aé", 1, "sv"), ("skolorna", 4, "sv"),
                                                        ("kvalitetsdialogerna", 9, "sv")])
def test_a_word_cut_by_a_sentence_boundary_gets_its_lemma_in_a_fresh_process(
        text: str, cut: int, language: str) -> None:
    """Each piece of a word that a sentence boundary cuts is a word of its sentence; its
    lemma must not depend on whether the process met the piece before (it did: 'é' was
    indexed without its lemma 'e' on the first import of a process, with it later)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    found = subprocess.run([sys.executable, "-c", COLD_LOOKUP, text, str(cut), language],
                           capture_output=True, text=True, env=env, timeout=120, check=True)
    result = json.loads(found.stdout)
    assert result["cold"] == result["warm"] == result["again"]
    pieces = [lemmatizer(language).lemma(piece) for piece in (text[:cut], text[cut:])]
    assert any(lemma != piece for lemma, piece in zip(pieces, (text[:cut], text[cut:]), strict=True))
    assert result["cold"] == [terms.index_terms(part, lemmatizer(language).index_lookup(terms.words(part)))
                              for part in (text[:cut], text[cut:])]


def test_lower_casing_keeps_positions_but_for_the_characters_handled() -> None:
    """``sentence_terms`` lower-cases whole texts; that holds only if no other character
    changes length or word-ness when lower-cased (checked here for this Python's Unicode)."""
    changing = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        lower = char.lower()
        if len(lower) != 1 or (terms.WORD.fullmatch(char) is None) != (terms.WORD.fullmatch(lower) is None):
            changing.append(char)
    assert all(segmentation._LOWER_CHANGES_POSITIONS.fullmatch(c) for c in changing)
    assert segmentation._LOWER_CHANGES_POSITIONS.fullmatch("Σ")  # lower-cased by context


# ------------------------------------------------------------------ search index in batches


def _fts_problems(path: Path) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)").fetchall()
    finally:
        connection.close()


def _pending(store: Store) -> list[int]:
    with store.engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT document_id FROM search_pending")]


def _downgrade(path: Path, revision: str) -> None:
    from alembic import command

    engine = make_engine(locate(path))
    try:
        config = migrate.alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def _add_without_indexing(store: Store, path: Path) -> int:
    """A document stored as an import stores it, as if the import stopped before indexing."""
    parsed = read_source(path)
    units = segmentation.segment_document("sv", parsed.text, parsed.turns)
    with store.unit_of_work() as uow:
        return uow.documents.add(parsed, language="sv", word_count=units.word_count, sha256=path.name,
                                 speaker_attributes={}, segments=corpus.new_segments(parsed.turns, units)).id


@contextmanager
def _sound_index_after(path: Path) -> Iterator[Store]:
    """A new project to work on; once closed, its FTS5 index must pass SQLite's own check."""
    store = create_project(path)
    try:
        yield store
    finally:
        store.close()
    assert _fts_problems(path) == []


def test_import_leaves_every_document_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "_INDEX_EVERY", 100)
    with _sound_index_after(tmp_path / "p.qualcode") as store:
        report = corpus.import_paths(store, sorted(DEMO.glob("0*.md")))
        assert len(report.imported) > 3 and _pending(store) == []


def test_search_indexes_documents_an_import_left_unindexed(tmp_path: Path) -> None:
    with _sound_index_after(tmp_path / "p.qualcode") as store:
        corpus.import_paths(store, [DEMO / "01_processtodjare.md"])
        document_id = _add_without_indexing(store, DEMO / "10_rektorer_skola2.md")
        assert _pending(store) == [document_id]
        name = corpus.list_documents(store)[-1].name
        hits = retrieval.search(store, "följer upp", documents=[name], limit=None)
        assert hits.total > 0 and _pending(store) == []


def test_deleting_an_unindexed_document_keeps_the_index_sound(tmp_path: Path) -> None:
    """The delete trigger skips rows the index never held; the next document gets a new id."""
    with _sound_index_after(tmp_path / "p.qualcode") as store:
        corpus.import_paths(store, [DEMO / "01_processtodjare.md"])
        before = retrieval.search(store, "skolan", limit=None).total
        document_id = _add_without_indexing(store, DEMO / "10_rektorer_skola2.md")
        with store.unit_of_work() as uow:
            uow.documents.delete(document_id)
        assert _fts_problems(tmp_path / "p.qualcode") == []
        assert retrieval.search(store, "skolan", limit=None).total == before
        again = _add_without_indexing(store, DEMO / "10_rektorer_skola2.md")
        assert again > document_id  # ids are never handed out twice (AUTOINCREMENT)
        assert retrieval.search(store, "skolan", limit=None).total > before
        with store.unit_of_work() as uow:
            uow.documents.delete(again)  # now indexed: the trigger takes its rows out of the index
        assert retrieval.search(store, "skolan", limit=None).total == before


def test_schema_0007_downgrades_with_pending_documents_indexed(tmp_path: Path) -> None:
    path = tmp_path / "p.qualcode"
    store = create_project(path)
    try:
        _add_without_indexing(store, DEMO / "10_rektorer_skola2.md")
    finally:
        store.close()
    _downgrade(path, "0006")
    assert _fts_problems(path) == []
    connection = sqlite3.connect(path)
    try:
        indexed = connection.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'skolan'").fetchone()[0]
        stored = connection.execute("SELECT count(*) FROM search_text WHERE ' ' || terms || ' ' LIKE '% skolan %'")
        assert indexed == stored.fetchone()[0] > 0
        assert "search_pending" not in {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()


# ------------------------------------------------------------------ schema 0006


def _search_triggers(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        return {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_text'")}
    finally:
        connection.close()


def test_old_project_keeps_its_search_index_and_indexes_new_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    assert "search_text_ai" in _search_triggers(path)
    store = open_project(path)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        assert _search_triggers(path) == {"search_text_ad"}
        (old,) = corpus.list_documents(store)
        old_hits = retrieval.search(store, "följer upp", limit=None).total
        assert old_hits > 0
        report = corpus.import_paths(store, [DEMO / "10_rektorer_skola2.md"])
        assert not report.failed
        new_hits = retrieval.search(store, "följer upp", documents=[report.imported[0].name], limit=None)
        assert new_hits.total > 0
        with store.unit_of_work() as uow:
            uow.documents.delete(report.imported[0].id)
        assert retrieval.search(store, "följer upp", limit=None).total == old_hits
    finally:
        store.close()
    assert _fts_problems(path) == []


def test_schema_0006_downgrades_to_the_insert_trigger(tmp_path: Path) -> None:
    path = tmp_path / "p.qualcode"
    create_project(path).close()
    _downgrade(path, "0005")
    assert _search_triggers(path) == {"search_text_ad", "search_text_ai"}


def test_folder_import_parses_each_file_just_ahead_of_the_writer(
        tmp_path: Path, sources: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming: with no room ahead, at most the document being written is in memory,
    and the speaker map's check (a first pass over labels) still stops nothing good."""
    import qualcode.importers.base as base

    monkeypatch.setattr(segmentation, "AHEAD_CHARS", 0)
    monkeypatch.setattr(segmentation, "_WORKER_MIN_BYTES", sys.maxsize)
    parsed: list[str] = []
    parse = base.parse_source
    monkeypatch.setattr(base, "parse_source", lambda raw, path: (parsed.append(Path(path).name), parse(raw, path))[1])
    ahead: list[int] = []
    store_document = corpus._store_document

    def storing(store, item, *rest):  # type: ignore[no-untyped-def]
        ahead.append(parsed.count(item.path.name))
        assert parsed[-1] == item.path.name  # nothing parsed ahead of this one
        return store_document(store, item, *rest)

    monkeypatch.setattr(corpus, "_store_document", storing)
    store = create_project(tmp_path / "p.qualcode")
    report = corpus.import_paths(store, sources, speaker_map=DEMO / "speakers.yaml")
    store.close()
    # Each file is parsed twice (labels, then import), and the next one only after the
    # one before it is written: when a file is stored, it is the last one parsed.
    assert ahead and all(count == 2 for count in ahead)
    assert len(ahead) == len(report.imported) + 1  # the copy is refused as it is stored
    assert len(parsed) == 2 * len(list(sources[0].iterdir()))


@given(st.lists(st.text(alphabet="ab \nåä", max_size=30), min_size=1, max_size=400))
@settings(max_examples=60, deadline=None)
def test_units_keep_each_sentence_terms(texts: list[str]) -> None:
    """Terms travel compressed in one string; every sentence gets its own back, in order
    (a line break in a term, which only a word list could bring, becomes a space)."""
    sentences = [(i, i + 1, None) for i in range(len(texts))]
    blob = "\n".join(t.replace("\n", " ") for t in texts).encode("utf-8")
    import zlib
    units = segmentation.DocumentUnits(segmentation.DocumentUnits.pack([]),
                                       segmentation.DocumentUnits.pack(sentences, "i"),
                                       zlib.compress(blob, 1), 0)
    assert list(units.sentence_terms()) == [t.replace("\n", " ") for t in texts]
    assert list(units.sentence_spans()) == sentences
