"""Suggestions on both backends: the embedding cache, model switching, accept/reject,
the learned source, find-similar, evaluation and bad input. A counting fake embedder
keeps these fast; real models are exercised in tests/test_embeddings.py (slow)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from qualcode.analysis import evaluate as cv
from qualcode.analysis import suggest as scoring
from qualcode.analysis.embeddings import ModelInfo, normalise
from qualcode.analysis.learners import CANDIDATES
from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.core.model import CodingOrigin
from qualcode.errors import AnalysisError, CodingError
from qualcode.services import (
    codebook,
    coding,
    corpus,
    embedding_cache,
    suggestion_quality,
    suggestions,
)
from qualcode.services.coding import Span
from qualcode.storage.store import Store

DOC = "skola2_rektorer"
DIMENSION = 64


class CountingEmbedder:
    """Bag of hashed words: deterministic, shares words => similar; counts every call."""

    def __init__(self, version: str = "1") -> None:
        self.name = "counting"
        self.version = version
        self.calls = 0
        self.texts: list[str] = []

    def identity(self) -> tuple[str, str]:
        return "fake:counting", self.version

    def info(self) -> ModelInfo:
        return ModelInfo("fake:counting", self.version, DIMENSION)

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.texts.extend(texts)
        rows = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
        return normalise(rows)


def _span(store: Store, phrase: str) -> Span:
    text = corpus.view_document(store, DOC).text
    start = text.index(phrase)
    return Span(start, start + len(phrase))


# ------------------------------------------------------------------ cache


def test_cache_embeds_each_text_once_and_reuses_it(coded_store: Store) -> None:
    fake = CountingEmbedder()
    first = embedding_cache.embed_project(coded_store, fake)
    assert first.computed == first.texts > 0 and first.reused == 0
    assert len(fake.texts) == len(set(fake.texts)) == first.texts
    calls = fake.calls
    again = embedding_cache.embed_project(coded_store, fake)
    assert (again.computed, again.reused) == (0, first.texts)
    engine = suggestions.Suggester(coded_store, fake)
    engine.for_document(DOC)
    assert fake.calls == calls, "an unchanged project needs no model call"
    [model] = embedding_cache.stored_models(coded_store)
    assert (model.name, model.version, model.dimension, model.vectors) == (
        "fake:counting", "1", DIMENSION, first.texts)


def test_cached_vectors_equal_fresh_ones(coded_store: Store) -> None:
    fake = CountingEmbedder()
    texts = ["Lärarna ser sällan underlagen.", "Arbetslagen får siffrorna i oktober."]
    embedding_cache.vectors(coded_store, fake, texts)
    cached = embedding_cache.vectors(coded_store, fake, texts + texts[:1])
    assert cached.dtype == np.float32
    assert np.array_equal(cached, np.vstack([fake.embed(texts), fake.embed(texts[:1])]))


def test_a_changed_model_replaces_the_old_vectors(coded_store: Store) -> None:
    embedding_cache.embed_project(coded_store, CountingEmbedder("1"))
    newer = CountingEmbedder("2")
    report = embedding_cache.embed_project(coded_store, newer)
    assert report.reused == 0 and report.computed == report.texts
    models = embedding_cache.stored_models(coded_store)
    assert [(m.version, m.vectors) for m in models] == [("2", report.texts)]


def test_naming_an_embedder_records_it_for_the_project(coded_store: Store) -> None:
    assert embedding_cache.chosen_name(coded_store) in ("tfidf", "fusion:e5+tfidf")  # Swedish project
    report = embedding_cache.embed_project(coded_store, "tfidf")
    assert report.model is not None and report.model.name == "tfidf:char_wb3-5"
    assert embedding_cache.chosen_name(coded_store) == "tfidf"
    assert embedding_cache.embed_project(coded_store).computed == 0


def test_cancel_keeps_what_was_computed(coded_store: Store) -> None:
    import threading

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(AnalysisError, match="cancelled"):
        embedding_cache.embed_project(coded_store, CountingEmbedder(), cancel=cancel)


# ------------------------------------------------------------------ suggesting


def test_zero_shot_finds_the_code_whose_definition_shares_words(coded_store: Store) -> None:
    engine = suggestions.Suggester(coded_store, CountingEmbedder())
    found = engine.for_span(DOC, *_bounds(coded_store, "Vi har en kvalitetsdialog med förvaltningen varje höst."))
    assert found.suggestions, found
    top = found.suggestions[0]
    assert top.code_key == "dialogue"  # its Swedish label is "Kvalitetsdialog"
    assert top.reason.kind == "label" and top.reason.text == "Kvalitetsdialog"
    scores = [s.score for s in found.suggestions]
    assert scores == sorted(scores, reverse=True)


def _bounds(store: Store, phrase: str) -> tuple[int, int]:
    span = _span(store, phrase)
    assert span.start is not None and span.end is not None
    return span.start, span.end


def test_learned_source_takes_over_and_quotes_the_coded_passage(coded_store: Store, tmp_path: Path) -> None:
    other = tmp_path / "skola5.md"
    other.write_text("Lärare: Ja, lärarna ser sällan underlagen här heller.\n", encoding="utf-8")
    corpus.import_paths(coded_store, [other])
    engine = suggestions.Suggester(coded_store, CountingEmbedder(), settings=scoring.Settings(prior=0.5))
    text = corpus.view_document(coded_store, "skola5").text
    start = text.index("Ja, lärarna")
    before = engine.for_span("skola5", start, len(text.rstrip()))
    assert all(s.learned == 0 for s in before.suggestions), "nothing coded yet"
    phrase = "Lärarna ser sällan underlagen."
    coding.apply_code(coded_store, DOC, "voice", "anna", _span(coded_store, phrase))
    assert engine.refresh() is True and engine.refresh() is False
    after = engine.for_span("skola5", start, len(text.rstrip()), top=3)
    voice = next(s for s in after.suggestions if s.code_key == "voice")
    assert voice.learned == 1.0 and voice.score > next(s.score for s in before.suggestions
                                                       if s.code_key == "voice")
    assert voice.reason.kind == "coded passage" and voice.reason.text == phrase
    assert voice.reason.document_name == DOC


def test_a_kept_suggester_forgets_a_removed_coding_when_another_takes_its_place(coded_store: Store) -> None:
    """A recode (one coding removed, another added) keeps the number of codings: the
    suggester must still drop the removed passage from its exemplars and reasons."""
    engine = suggestions.Suggester(coded_store, CountingEmbedder(), settings=scoring.Settings(prior=0.5))
    removed_phrase = "Lärarna ser sällan underlagen."
    made = coding.apply_code(coded_store, DOC, "voice", "anna", _span(coded_store, removed_phrase))
    engine.refresh()
    assert [e.text for e in engine.exemplars] == [removed_phrase]
    coding.remove_coding(coded_store, made.id, "anna")
    kept_phrase = "Arbetslagen får siffrorna i oktober."
    coding.apply_code(coded_store, DOC, "voice", "anna", _span(coded_store, kept_phrase))
    assert engine.refresh() is True
    assert [e.text for e in engine.exemplars] == [kept_phrase]
    found = engine.for_span(DOC, *_bounds(coded_store, removed_phrase), top=3)
    assert all(s.reason.text != removed_phrase for s in found.suggestions)


def _exemplars(engine: suggestions.Suggester) -> list[tuple[str, str, int]]:
    return [(e.text, engine.codes[e.code_index].key, e.coding_id) for e in engine.exemplars]


def test_a_kept_suggester_reloads_only_what_changed_and_ends_as_a_new_one(coded_store: Store) -> None:
    """The kept suggester reads only added or changed codings on reload; after adds, a
    removal, a split that moves codings to a new code and an undo, what it holds must equal
    what a suggester built from scratch holds."""
    embedder = CountingEmbedder()
    engine = suggestions.Suggester(coded_store, embedder)
    phrases = ["Lärarna ser sällan underlagen.", "Arbetslagen får siffrorna i oktober."]
    made = [coding.apply_code(coded_store, DOC, "voice", "anna", _span(coded_store, p)) for p in phrases]
    engine.refresh()
    loaded: list[list[int]] = []
    original = coded_store.unit_of_work

    def counting_unit_of_work():  # type: ignore[no-untyped-def]
        context = original()
        uow = context.__enter__()
        passages = uow.codings.passages

        def spy(flt, **kwargs):  # type: ignore[no-untyped-def]
            loaded.append(sorted(flt.coding_ids) if flt.coding_ids is not None else [-1])
            return passages(flt, **kwargs)

        uow.codings.passages = spy

        class Wrapped:
            def __enter__(self):  # type: ignore[no-untyped-def]
                return uow

            def __exit__(self, *exc):  # type: ignore[no-untyped-def]
                return context.__exit__(*exc)
        return Wrapped()

    coded_store.unit_of_work = counting_unit_of_work  # type: ignore[method-assign]
    try:
        third = coding.apply_code(coded_store, DOC, "followup", "anna",
                                  _span(coded_store, "Lärarna ser sällan underlagen."))
        assert engine.refresh() is True
        assert loaded == [[third.id]]
        coding.remove_coding(coded_store, made[0].id, "anna")
        coding.split_code(coded_store, "voice", "numbers", "anna", label="Numbers", coding_ids=[made[1].id])
        assert engine.refresh() is True
        assert loaded[1:] == [[made[1].id]]  # the split moved it; the removed one is dropped unread
        coding.undo(coded_store, "anna")  # the split
    finally:
        del coded_store.unit_of_work
    engine.refresh()
    fresh = suggestions.Suggester(coded_store, embedder)
    assert _exemplars(engine) == _exemplars(fresh)
    assert sorted(e[0] for e in _exemplars(engine)) == sorted([phrases[0], phrases[1]])


def test_learned_source_outweighs_zero_shot_as_codings_accumulate() -> None:
    """Zero-shot points at code 0; codings say code 1. Few codings: zero-shot wins;
    twenty per code: the learned source does."""
    x, y = np.eye(2, dtype=np.float32)
    space = scoring.CodeSpace(np.array([1, 2]), np.vstack([x, y]), np.array([0, 1]))
    query = normalise(np.array([[0.8, 0.6]]))
    near_y = normalise(np.array([[0.7, 0.71]]))
    far = normalise(np.array([[0.0, 1.0]]))

    def examples(n: int) -> scoring.Examples:
        return scoring.Examples(np.vstack([near_y] * n + [far] * n), np.array([1] * n + [0] * n))

    assert scoring.top_k(scoring.score(query, space, examples(1)).combined[0], 1)[0] == 0
    assert scoring.top_k(scoring.score(query, space, examples(20)).combined[0], 1)[0] == 1


def test_codes_already_on_the_span_are_listed_not_suggested(coded_store: Store) -> None:
    phrase = "Arbetslagen får siffrorna i oktober."
    made = coding.apply_code(coded_store, DOC, "followup", "anna", _span(coded_store, phrase))
    found = suggestions.Suggester(coded_store, CountingEmbedder()).for_span(DOC, *_bounds(coded_store, phrase))
    assert found.coded == (made.code_id,)
    assert all(s.code_id != made.code_id for s in found.suggestions)


def test_suggest_every_sentence_and_one_segment(coded_store: Store) -> None:
    engine = suggestions.Suggester(coded_store, CountingEmbedder())
    every = engine.for_document(DOC, top=2)
    sentences = corpus.view_document(coded_store, DOC).sentences
    text = corpus.view_document(coded_store, DOC).text
    assert text[sentences[0].start:sentences[0].end].startswith("Hur följer ni upp"), "a question first"
    assert [p.segment_id for p in every] == [s.id for s in sentences[1:]], "interviewer turns are skipped"
    assert all(len(p.suggestions) <= 2 for p in every)
    with_questions = suggestions.Suggester(coded_store, CountingEmbedder(), include_interviewer=True)
    assert [p.segment_id for p in with_questions.for_document(DOC)] == [s.id for s in sentences]
    one = engine.for_document(DOC, segment_id=sentences[1].id)
    assert [p.segment_id for p in one] == [sentences[1].id]
    with pytest.raises(CodingError, match="Segment 999999"):
        engine.for_document(DOC, segment_id=999_999)


def test_accept_codes_the_span_with_its_origin_and_undo_works(coded_store: Store) -> None:
    phrase = "Då går vi igenom betygen och enkäterna."
    made = suggestions.accept(coded_store, DOC, "followup", "anna", _span(coded_store, phrase), score=0.8)
    assert made.origin is CodingOrigin.SUGGESTION_ACCEPTED
    [verdict] = suggestions.feedback(coded_store)
    assert (verdict.verdict, verdict.code_id, verdict.score) == ("accepted", made.code_id, 0.8)
    assert "removed again" in coding.undo(coded_store, "anna")
    assert coding.list_codings(coded_store) == []


def test_rejected_code_is_not_suggested_there_again(coded_store: Store) -> None:
    fake = CountingEmbedder()
    engine = suggestions.Suggester(coded_store, fake)
    start, end = _bounds(coded_store, "Vi har en kvalitetsdialog med förvaltningen varje höst.")
    assert engine.for_span(DOC, start, end).suggestions[0].code_key == "dialogue"
    suggestions.reject(coded_store, DOC, "dialogue", "anna", Span(start, end))
    after = engine.for_span(DOC, start, end)
    assert "dialogue" not in [s.code_key for s in after.suggestions]
    [verdict] = suggestions.feedback(coded_store)
    assert verdict.verdict == "rejected" and (verdict.start, verdict.end) == (start, end)


def test_next_confident_skips_coded_and_weak_segments(coded_store: Store) -> None:
    engine = suggestions.Suggester(coded_store, CountingEmbedder())
    first = engine.next_confident(DOC, min_score=0.0)
    assert first is not None
    coding.apply_code(coded_store, DOC, "voice", "anna", Span(first.start, first.end))
    second = engine.next_confident(DOC, min_score=0.0)
    assert second is not None and second.start > first.start
    with pytest.raises(AnalysisError, match="not a score between 0 and 1"):
        engine.next_confident(DOC, min_score=1.01)  # a threshold no score can reach is refused


def test_a_code_without_definition_is_suggested_from_its_label(store: Store, interview_files) -> None:  # type: ignore[no-untyped-def]
    corpus.import_paths(store, [interview_files[0]])
    codebook.load_spec(store, CodebookSpec(slug="bare", name="Bare", codes=(
        CodeSpec("enkater", "Enkäterna"), CodeSpec("other", "Something else"))))
    engine = suggestions.Suggester(store, CountingEmbedder())
    found = engine.for_span(DOC, *_bounds(store, "Då går vi igenom betygen och enkäterna."))
    assert found.suggestions[0].code_key == "enkater"
    assert found.suggestions[0].reason.kind == "label"


# ------------------------------------------------------------------ bad input


def test_empty_project_is_explained(store: Store) -> None:
    with pytest.raises(AnalysisError, match="no text to embed"):
        embedding_cache.embed_project(store, CountingEmbedder())
    with pytest.raises(AnalysisError, match="no active codes"):
        suggestions.Suggester(store, CountingEmbedder())
    with pytest.raises(AnalysisError, match="needs texts"):
        embedding_cache.embed_project(store, "tfidf")


def test_bad_spans_and_top_are_refused(coded_store: Store) -> None:
    engine = suggestions.Suggester(coded_store, CountingEmbedder())
    with pytest.raises(CodingError, match="not inside"):
        engine.for_span(DOC, 10, 100_000)
    with pytest.raises(AnalysisError, match="at least 1"):
        engine.for_document(DOC, top=0)


def test_missing_model_folder_is_a_clear_error(coded_store: Store) -> None:
    with pytest.raises(AnalysisError, match="does not exist"):
        suggestions.Suggester(coded_store, "st:/nowhere/model")


# ------------------------------------------------------------------ similar


def test_similar_ranks_shared_words_first_and_filters(coded_store: Store) -> None:
    fake = CountingEmbedder()
    hits = suggestion_quality.similar(coded_store, text="rektorerna pratar", embedder=fake, top=2)
    assert "rektorerna som pratar" in hits[0].text
    assert hits[0].similarity >= hits[1].similarity
    start, end = _bounds(coded_store, "Men i praktiken blir det mest rektorerna som pratar.")
    around = suggestion_quality.similar(coded_store, DOC, start=start, end=end, embedder=fake, top=50)
    assert all(not (h.start < end and start < h.end) for h in around), "the passage itself is left out"
    rektor = suggestion_quality.similar(coded_store, text="rektorerna pratar", embedder=fake, top=50,
                                        attributes={"role": ["rektor"]})
    assert rektor and all(h.speaker == "Rektor" for h in rektor)
    with pytest.raises(AnalysisError, match="Nothing to compare"):
        suggestion_quality.similar(coded_store, embedder=fake)


# ------------------------------------------------------------------ evaluation


def test_cross_validation_figures_by_hand() -> None:
    """Two codes on orthogonal axes; descriptions point the wrong way round, so zero-shot
    is always wrong and every learned model always right."""
    x, y = np.eye(2, dtype=np.float32)
    vectors = np.vstack([x, x, y, y])
    labels = [frozenset({0}), frozenset({0}), frozenset({1}), frozenset({1})]
    groups = [1, 2, 1, 2]
    space = scoring.CodeSpace(np.array([10, 20]), np.vstack([y, x]), np.array([0, 1]))
    report = cv.cross_validate(vectors, labels, groups, space, folds=2)
    assert (report.method("knn5").top1, report.method("zero-shot").top1) == (1.0, 0.0)
    assert report.method("centroid").top1 == 1.0
    assert report.method("zero-shot").top3 == 1.0  # only two codes: both are in the top 3
    code0 = report.method("zero-shot").per_code[0]
    # calibration learns that zero-shot's second code is the right one, so it joins the set
    assert (code0.support, code0.predicted, code0.precision, code0.recall) == (2, 4, 0.5, 1.0)
    assert report.method("knn5").per_code[1].precision == 1.0
    assert report.method("blend").top1 == 0.0  # one training example per code: zero-shot still leads
    assert {m.role for m in report.methods} == {"zero-shot", "candidate", "measured", "baseline", "chosen"}


def test_folds_keep_documents_whole_and_need_two() -> None:
    folds = cv.group_folds([5, 5, 6, 7, 7, 7], 5)
    assert len(folds) == 3
    assert sorted(np.concatenate(folds).tolist()) == list(range(6))
    assert any(set(f.tolist()) == {3, 4, 5} for f in folds)
    with pytest.raises(AnalysisError, match="at least two documents"):
        cv.group_folds([1, 1], 5)


def test_evaluate_runs_on_the_project(coded_store: Store, tmp_path: Path) -> None:
    other = tmp_path / "skola3.md"
    other.write_text("Rektor: Vi har en kvalitetsdialog i november.\n\nLärare: Vi ser sällan underlagen.\n",
                     encoding="utf-8")
    corpus.import_paths(coded_store, [other])
    for doc, phrase, code in ((DOC, "Vi har en kvalitetsdialog med förvaltningen varje höst.", "dialogue"),
                              (DOC, "Lärarna ser sällan underlagen.", "voice"),
                              ("skola3", "Vi har en kvalitetsdialog i november.", "dialogue"),
                              ("skola3", "Vi ser sällan underlagen.", "voice")):
        text = corpus.view_document(coded_store, doc).text
        start = text.index(phrase)
        coding.apply_code(coded_store, doc, code, "anna", Span(start, start + len(phrase)))
    [result] = suggestion_quality.evaluate(coded_store, [CountingEmbedder()], folds=5)
    assert (result.items, result.folds) == (4, 2)
    assert result.method("knn5").top1 == 1.0
    assert result.report is not None and result.report.choice.method in CANDIDATES


def test_evaluate_without_codings_is_explained(coded_store: Store) -> None:
    with pytest.raises(AnalysisError, match="no codings"):
        suggestion_quality.evaluate(coded_store, [CountingEmbedder()])


# ------------------------------------------------------------------ command line


@pytest.fixture
def cli_project(tmp_path: Path, interview_files, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    from qualcode.services.project import create_project

    from .conftest import SMALL_BOOK

    path = tmp_path / "cli.qualcode"
    store = create_project(path)
    corpus.import_paths(store, [interview_files[0]], speaker_map=interview_files[1])
    codebook.load_spec(store, SMALL_BOOK)
    store.close()
    monkeypatch.setenv("QUALCODE_DB", str(path))
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    return path


def test_cli_embed_suggest_accept_reject_similar(cli_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from qualcode.cli.app import main

    assert main(["embed", "--embedder", "tfidf", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["computed"] > 0 and report["model"]["name"] == "tfidf:char_wb3-5"
    assert main(["embed", "--quiet"]) == 0
    assert "0 embedded now" in " ".join(capsys.readouterr().out.split())

    assert main(["suggest", DOC, "--top", "2", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all({"segment_id", "start", "end", "suggestions"} <= set(line) for line in lines)
    first = lines[0]
    assert 1 <= len(first["suggestions"]) <= 2 and {"code_id", "score"} <= set(first["suggestions"][0])

    segment = str(first["segment_id"])
    code = first["suggestions"][0]["code"]
    assert main(["suggest", "reject", DOC, code, "--segment", segment]) == 0
    assert main(["suggest", "show", DOC, "--segment", segment, "--json"]) == 0
    again = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert code not in [s["code"] for s in again["suggestions"]]
    assert main(["suggest", "accept", DOC, "voice", "--segment", segment]) == 0
    assert "suggestion accepted" in capsys.readouterr().out
    assert main(["code", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["codings"][0]["origin"] == "suggestion-accepted"

    assert main(["similar", "--text", "rektorerna pratar", "--top", "3", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["suggest", "next", "--min-score", "0"]) == 0
    capsys.readouterr()
    assert main(["suggest", "evaluate", "--embedder", "tfidf"]) == AnalysisError.exit_code
    assert "at least two documents" in capsys.readouterr().err
    assert main(["suggest", DOC, "--segment", "999999"]) == CodingError.exit_code
    assert main(["embed", "--embedder", "st:/no/such/model"]) == AnalysisError.exit_code
    assert "does not exist" in capsys.readouterr().err


def test_single_passage_scoring_matches_the_batch_path() -> None:
    """One passage is scored by a vectorised path, many by a loop over codes: same result."""
    rng = np.random.default_rng(0)
    queries = normalise(rng.normal(size=(40, 16)))
    exemplars = normalise(rng.normal(size=(300, 16)))
    labels = rng.integers(0, 12, 300)
    labels[labels == 5] = 6  # a code without exemplars
    examples = scoring.Examples(exemplars, labels)
    space = scoring.CodeSpace(np.arange(12), exemplars, labels)
    for function, argument in ((scoring.nearest_exemplars, examples), (scoring.zero_shot, space)):
        many = function(queries, argument, 12) if function is scoring.nearest_exemplars \
            else function(queries, argument)
        few = function(queries[:10], argument, 12) if function is scoring.nearest_exemplars \
            else function(queries[:10], argument)
        assert np.allclose(many[0][:10], few[0]) and (many[1][:10] == few[1]).all()
        assert (few[1][:, 5] == -1).all()


def test_tfidf_is_fitted_on_the_codebook_texts_too(coded_store: Store) -> None:
    before = embedding_cache.resolve(coded_store, "tfidf")
    assert "A dialogue about quality." in before.corpus
    codebook.load_spec(coded_store, CodebookSpec(slug="extra", name="Extra", codes=(
        CodeSpec("zz", "Zymurgy", definition="Brewing terms nobody said."),)))
    after = embedding_cache.resolve(coded_store, "tfidf")
    assert "Brewing terms nobody said." in after.corpus and after.version != before.version
