"""Benchmark: export and re-import of a project with 200 documents and 100,000 codings.

Run: ``python tests/bench/bench_qdpx.py``. Prints ``name=value`` lines; the target for
each timing is printed beside it. cli_export_s and cli_import_s time the installed
``qualcode export qdpx`` and ``qualcode import-project`` end to end. Not collected by pytest.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_timing import cli_seconds  # noqa: E402

from qualcode.core.codebook import CodebookSpec, CodeSpec  # noqa: E402
from qualcode.core.model import CodingOrigin  # noqa: E402
from qualcode.services import codebook, corpus, exchange  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402

DOCUMENTS = 200
CODINGS = 100_000
TARGET_S = 30.0
WORDS = ["the", "school", "board", "asked", "us", "to", "write", "a", "plan", "and", "we", "did", "what", "the", "agency", "wanted", "but", "the", "teachers", "had", "their", "own", "ideas", "about", "quality", "and", "time"]


def _transcript(rng: random.Random) -> str:
    turns = []
    for i in range(40):
        speaker = "Interviewer" if i % 2 == 0 else "Teacher"
        words = rng.choices(WORDS, k=rng.randint(15, 60))
        turns.append(f"{speaker}: {' '.join(words).capitalize()}.")
    return "\n\n".join(turns) + "\n"


def build(folder: Path):  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    for i in range(DOCUMENTS):
        (folder / f"interview_{i:03d}.txt").write_text(_transcript(rng), encoding="utf-8")
    store = create_project(folder / "bench.qualcode", name="bench")
    report = corpus.import_paths(store, sorted(folder.glob("*.txt")), language="en")
    assert not report.failed, report.failed
    spec = CodebookSpec(slug="bench", name="Bench", codes=tuple(
        CodeSpec(key=f"c{i}", label_en=f"Code {i}", parent=f"c{i // 10 - 1}" if i >= 10 else None,
                 colour="#1F77B4") for i in range(50)))
    codebook.load_spec(store, spec)
    with store.unit_of_work() as uow:
        coders = [uow.coders.get_or_create(n).id for n in ("anna", "bo", "cai")]
        codes = [c.id for c in uow.codebooks.codes()]
        documents = [(d.id, len(uow.documents.text(d.id))) for d in uow.documents.list()]
        rows = []
        for _ in range(CODINGS):
            doc_id, length = rng.choice(documents)
            start = rng.randrange(0, length - 200)
            rows.append({"document_id": doc_id, "code_id": rng.choice(codes), "coder_id": rng.choice(coders),
                         "start": start, "end": start + rng.randint(20, 200),
                         "origin": str(CodingOrigin.MANUAL)})
        uow.codings.add_many(rows)
    return store


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        store = build(folder)
        print(f"setup_s={time.perf_counter() - started:.1f}")
        started = time.perf_counter()
        snapshot = exchange.export_qdpx(store, folder / "bench.qdpx")
        export_s = time.perf_counter() - started
        store.close()
        print(f"documents={len(snapshot.documents)} codings={len(snapshot.codings)}")
        print(f"qdpx_bytes={(folder / 'bench.qdpx').stat().st_size}")
        print(f"export_s={export_s:.2f} target_s<{TARGET_S:.0f}")
        started = time.perf_counter()
        new, report = exchange.import_qdpx_as_new(folder / "bench.qdpx", folder / "back.qualcode")
        import_s = time.perf_counter() - started
        new.close()
        print(f"import_codings={report.codings} import_documents={len(report.documents)}")
        print(f"import_s={import_s:.2f} target_s<{TARGET_S:.0f}")
        # The same two steps as typed: a fresh process each, end to end.
        cli_export = cli_seconds("export", "qdpx", str(folder / "cli.qdpx"), "--db", str(folder / "bench.qualcode"),
                                 "--quiet")
        print(f"cli_export_s={cli_export:.2f}")
        cli_import = cli_seconds("import-project", str(folder / "cli.qdpx"), "--quiet", cwd=folder)
        print(f"cli_import_s={cli_import:.2f}")
        ok = export_s < TARGET_S and import_s < TARGET_S and report.codings == CODINGS
        print(f"within_target={ok}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
