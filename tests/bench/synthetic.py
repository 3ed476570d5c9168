"""A large coded project built through the storage layer, on SQLite and PostgreSQL.

Importing hundreds of thousands of sentences through spaCy would time the importer, not
the query a benchmark is about, so documents, sentences and codings are written
directly: every document repeats one sentence (the same one, or one per document from
``Shape.sentence``), codings cover whole sentences.
"""

from __future__ import annotations

import os
import random
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.core.model import CodingOrigin, ParsedDocument, ParsedTurn, SegmentKind
from qualcode.services import codebook
from qualcode.storage.repositories.documents import NewSegment
from qualcode.storage.store import Store

SENTENCE = "Vi följer upp resultaten i kvalitetsdialogen med förvaltningen varje termin. "


@dataclass(frozen=True)
class Shape:
    """How big the project is and how its documents and speakers are described."""

    codes: int
    documents: int
    segments_per_document: int
    codings: int
    seed: int
    document_attribute: Callable[[int], dict[str, str]]
    speakers: tuple[str, str] = ("Rektor", "Intervjuare")
    speaker_attributes: dict[str, dict[str, str]] | None = None
    sentence: Callable[[int], str] | None = None  # document number -> the sentence it repeats


def build(store: Store, shape: Shape) -> None:
    """Codebook 'bench' with codes c00.., documents doc0000.., codings by anna and bo."""
    spec = CodebookSpec("bench", "Bench", codes=tuple(
        CodeSpec(f"c{i:02d}", f"Code {i}", definition="Benchmark code.") for i in range(shape.codes)))
    codebook.load_spec(store, spec)
    rng = random.Random(shape.seed)
    with store.unit_of_work() as uow:
        code_ids = [c.id for c in uow.codebooks.codes(uow.codebooks.get_by_slug("bench").id)]
        coder_ids = [uow.coders.get_or_create(name).id for name in ("anna", "bo")]
    per_doc = shape.segments_per_document
    for d in range(shape.documents):
        sentence = shape.sentence(d) if shape.sentence is not None else SENTENCE
        step = len(sentence)
        text = sentence * per_doc
        turns = tuple(ParsedTurn(shape.speakers[t % 2 == 0], t * step * 10,
                                 min((t + 1) * step * 10, len(text)) - 1) for t in range(per_doc // 10))
        parsed = ParsedDocument(name=f"doc{d:04d}", text=text, format="txt", turns=turns,
                                attributes=shape.document_attribute(d))
        segments = [NewSegment(SegmentKind.SENTENCE, i * step, (i + 1) * step - 1, i // 10)
                    for i in range(per_doc)]
        with store.unit_of_work() as uow:
            doc_id = uow.documents.add(parsed, language="sv", word_count=per_doc * len(sentence.split()),
                                       sha256=uuid.uuid4().hex, segments=segments,
                                       speaker_attributes=shape.speaker_attributes or {}).id
            rows = []
            for _ in range(shape.codings // shape.documents):
                i = rng.randrange(per_doc)
                rows.append({"document_id": doc_id, "code_id": rng.choice(code_ids),
                             "coder_id": rng.choice(coder_ids), "start": i * step,
                             "end": (i + 1) * step - 1, "origin": str(CodingOrigin.IMPORTED)})
            uow.codings.add_many(rows)
    store.refresh_statistics()  # as an import does when it is done


def on_backends(backends: list[str], measure: Callable[[str, str], None]) -> None:
    """Call ``measure(target, backend name)`` on a fresh SQLite file and a fresh PostgreSQL
    database (created and dropped here)."""
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            measure(str(Path(tmp) / "bench.qualcode"), "sqlite")
    if "postgresql" in backends:
        import psycopg

        admin_url = os.environ.get("QUALCODE_TEST_PG", "postgresql://127.0.0.1:5432/test")
        name = f"qualcode_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                measure(f"{admin_url.rsplit('/', 1)[0]}/{name}", "postgresql")
            finally:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
