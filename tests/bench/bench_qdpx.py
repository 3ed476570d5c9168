"""Benchmark: export and re-import of a project with 200 documents and 100,000 codings,
and the cost of deciding how a file counts its positions.

Run: ``python tests/bench/bench_qdpx.py [documents] [codings]``. Prints ``name=value``
lines; the target for each timing is printed beside it. Not collected by pytest.

The counting part writes one file twice, as another tool would: texts with ``\r\n``
and characters beyond the Basic Multilingual Plane, positions once in code points
(the standard) and once in UTF-16 code units with ``\r\n`` as two (NVivo for
Windows). Both are imported with the counting detection that every import runs; the
UTF-16 file must stay within 1.2x of the code point file.

cli_export_s and cli_import_s time the installed ``qualcode export qdpx`` and
``qualcode import-project`` end to end.
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

DOCUMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
CODINGS = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
TARGET_S = 30.0
COUNTING_RATIO = 1.2
EMOJI = ["\U0001F600", "\U0001F4CA", "\U0001F642"]
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


def _foreign_texts(rng: random.Random) -> list[str]:
    texts = []
    for _ in range(DOCUMENTS):
        turns = []
        for i in range(40):
            speaker = "Interviewer" if i % 2 == 0 else "Teacher"
            words = rng.choices(WORDS, k=rng.randint(15, 60))
            words[rng.randrange(len(words))] += " " + rng.choice(EMOJI)
            turns.append(f"{speaker}: {' '.join(words).capitalize()}.")
        texts.append("\r\n\r\n".join(turns) + "\r\n")
    return texts


def write_foreign(folder: Path) -> tuple[Path, Path]:
    """The same project twice: positions in code points, and in UTF-16 units with CRLF as two."""
    import re
    import uuid
    import zipfile
    from itertools import accumulate
    from xml.sax.saxutils import quoteattr

    rng = random.Random(11)
    texts = _foreign_texts(rng)
    user, codes = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(50)]
    words = [[m.span() for m in re.finditer(r"\w+", text)] for text in texts]
    utf16 = [[0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text)] for text in texts]
    chosen: list[list[tuple[int, int]]] = [[] for _ in texts]
    for _ in range(CODINGS):
        doc = rng.randrange(len(texts))
        first = rng.randrange(len(words[doc]) - 30)
        chosen[doc].append((words[doc][first][0], words[doc][first + rng.randint(2, 30)][1]))
    paths = []
    for name, convert in (("codepoints", lambda d, p: p), ("utf16", lambda d, p: utf16[d][p])):
        parts = ['<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
                 f'name="bench" origin="bench"><Users><User guid="{user}" name="anna"/></Users>'
                 '<CodeBook><Codes>']
        parts += [f'<Code guid="{c}" name="Code {i}" isCodable="true"/>' for i, c in enumerate(codes)]
        parts.append("</Codes></CodeBook><Sources>")
        for doc in range(len(texts)):
            parts.append(f'<TextSource guid="{uuid.UUID(int=doc + 1)}" name={quoteattr(f"d{doc:03d}")} '
                         f'plainTextPath="internal://{uuid.UUID(int=doc + 1)}.txt">')
            for start, end in chosen[doc]:
                parts.append(f'<PlainTextSelection guid="{uuid.uuid4()}" startPosition="{convert(doc, start)}" '
                             f'endPosition="{convert(doc, end)}" creatingUser="{user}"><Coding guid="{uuid.uuid4()}" '
                             f'creatingUser="{user}"><CodeRef targetGUID="{rng.choice(codes)}"/></Coding>'
                             "</PlainTextSelection>")
            parts.append("</TextSource>")
        parts.append("</Sources></Project>\n")
        path = folder / f"{name}.qdpx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", "".join(parts))
            for doc, text in enumerate(texts):
                archive.writestr(f"sources/{uuid.UUID(int=doc + 1)}.txt", text.encode("utf-8"))
        paths.append(path)
    return paths[0], paths[1]


def counting_benchmark(folder: Path) -> bool:
    codepoints, utf16 = write_foreign(folder)
    timings = {}
    for name, path in (("codepoints", codepoints), ("utf16", utf16)):
        started = time.perf_counter()
        store, report = exchange.import_qdpx_as_new(path, folder / f"{name}.qualcode")
        timings[name] = time.perf_counter() - started
        store.close()
        assert report.codings == CODINGS, (name, report.codings)
        print(f"counting_{name}={report.counting.split(':')[0]}")
    ratio = timings["utf16"] / timings["codepoints"]
    print(f"import_codepoints_s={timings['codepoints']:.2f}")
    print(f"import_utf16_crlf_s={timings['utf16']:.2f}")
    print(f"utf16_to_codepoints_ratio={ratio:.2f} target<{COUNTING_RATIO}")
    return ratio < COUNTING_RATIO


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
        counting_ok = counting_benchmark(folder)
        ok = export_s < TARGET_S and import_s < TARGET_S and report.codings == CODINGS and counting_ok
        print(f"within_target={ok}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
