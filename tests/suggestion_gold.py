"""Builds a project from the suggestion gold set (tests/fixtures/suggestion_gold.yaml).

Each interview becomes a Markdown document of one speaker turn per quote (so every
quote is its own sentence span), the codes a codebook, and each quote's codes codings
of exactly that quote. Used by the suggestion tests and tests/bench/bench_suggestions.py.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.services import codebook, coding, corpus
from qualcode.services.coding import Span
from qualcode.storage.store import Store

GOLD = Path(__file__).parent / "fixtures" / "suggestion_gold.yaml"


def load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(GOLD.read_text(encoding="utf-8"))


def build(store: Store, folder: Path) -> int:
    """Import the gold interviews, codebook and codings into ``store``; return the codings made."""
    data = load()
    codebook.load_spec(store, CodebookSpec(slug="gold", name="Gold set", version="1", languages=("en", "sv"),
                                           codes=tuple(CodeSpec(c["key"], c["label_en"], c.get("label_sv"),
                                                                definition=c.get("definition", ""),
                                                                examples=tuple(c.get("examples", ())))
                                                       for c in data["codes"])))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in data["documents"]:
        path = folder / f"{doc['name']}.md"
        path.write_text("".join(f"Intervjuperson: {q['text']}\n\n" for q in doc["quotes"]), encoding="utf-8")
        paths.append(path)
    report = corpus.import_paths(store, paths)
    assert not report.failed, report.failed
    made = 0
    for doc in data["documents"]:
        text = corpus.view_document(store, doc["name"]).text
        for q in doc["quotes"]:
            start = text.index(q["text"])
            for code in q["codes"]:
                coding.apply_code(store, doc["name"], code, "gold", Span(start, start + len(q["text"])))
                made += 1
    return made
