"""Benchmark of pseudonym rendering; prints ``name=value`` lines.

Target: writing a quotes CSV of 1,000,000 words with pseudonyms (a table of 300 entries,
each with its genitive, rendered in one pass over each passage) at >= 0.5 of the speed
of writing the same export without them, measured in the same run.

It also prints the precision and recall of the candidate finder on the demo corpus,
against the names listed in ``tests/fixtures/sbs_demo_names.yaml``.

Each timing is the best of ``--runs`` (5). Run: ``python tests/bench/bench_pseudonyms.py``
(``--words N`` for a smaller export).
"""

from __future__ import annotations

import argparse
import io
import random
import time
from pathlib import Path

from qualcode.core.model import CodedPassage
from qualcode.core.pseudonyms import Pseudonym, Renderer
from qualcode.exporters import tabular
from qualcode.exporters.tabular import Quote
from qualcode.services.pseudonyms import render_passages

WORDS = ("vi", "har", "en", "kvalitetsdialog", "med", "förvaltningen", "varje", "höst", "och", "rektorn",
         "sa", "att", "det", "var", "fel", "tid", "på", "skolan", "eleverna", "analysen")


STEMS = ("Björk", "Ek", "Hamn", "Lind", "Sjö", "Tall", "Gran", "Asp", "Rön", "Al", "Vik", "Berg", "Dal",
         "Strand", "Mo", "Ås", "Kvarn", "Torp", "Öster", "Väster")
ENDINGS = ("skolan", "gymnasiet", "s kommun", "sson", "dalen")


def table_names(count: int) -> list[str]:
    """Names that start with twenty different letters, as a real table's do ("Björkskolan",
    "Eks kommun", "Lindsson12"): a table whose names share their first letters would
    flatter any pattern."""
    found = []
    for n in range(count):
        stem, ending = STEMS[n % len(STEMS)], ENDINGS[(n // len(STEMS)) % len(ENDINGS)]
        number = n // (len(STEMS) * len(ENDINGS))
        found.append(f"{stem}{ending}{number or ''}" if ending != "s kommun" else f"{stem}{number or ''}s kommun")
    return found


def passages(words: int, names: list[str], seed: int = 1) -> list[CodedPassage]:
    rng = random.Random(seed)
    found, done, number = [], 0, 0
    while done < words:
        size = rng.randint(20, 80)
        text = " ".join(rng.choice(names) + rng.choice(("", "s")) if rng.random() < 0.03 else rng.choice(WORDS)
                        for _ in range(size))
        found.append(CodedPassage(number, 1, "intervju", 1, "lc.loose", "Loose coupling", "anna", 0, len(text),
                                  text, "manual", "Rektor", {"school": "skola 1", "role": "rektor"}))
        done += size
        number += 1
    return found


def _best(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    """The fastest of ``runs`` timings: on a shared machine the others measure the neighbours."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


KNOWN_NAMES = Path(__file__).resolve().parents[1] / "fixtures" / "sbs_demo_names.yaml"


def known_names() -> dict[str, list[str]]:
    """The demo corpus's identifying names, each with the candidate texts that find it."""
    import yaml

    return {item["name"]: item["found_as"] for item in yaml.safe_load(KNOWN_NAMES.read_text(encoding="utf-8"))}


def candidate_quality() -> tuple[float, float, int]:
    """Precision and recall of the candidate finder on the demo corpus (a fresh build)."""
    import tempfile

    from qualcode.analysis.name_candidates import score
    from qualcode.services import pseudonym_candidates
    from qualcode.services.demo import build_demo

    with tempfile.TemporaryDirectory() as folder:
        store, _ = build_demo(Path(folder) / "demo.qualcode", ready=False)
        try:
            found = pseudonym_candidates.candidates(store)
        finally:
            store.close()
    precision, recall = score([c.text for c in found], known_names())
    return precision, recall, len(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-candidates", action="store_true", help="Skip the candidate finder's figures.")
    args = parser.parse_args()
    if not args.no_candidates:
        precision, recall, proposed = candidate_quality()
        print(f"candidates_proposed={proposed}")
        print(f"candidate_precision={precision:.3f}")
        print(f"candidate_recall={recall:.3f}")
    names = table_names(args.entries)
    table = [Pseudonym(name, f"skola {n}", "school") for n, name in enumerate(names)]
    found = passages(args.words, names)

    def plain() -> None:
        tabular.write_quotes_csv([Quote(p, "(Rektor, skola 1)") for p in found], io.StringIO())

    out: list[str] = []

    def masked() -> None:  # the table compiled anew each time: part of the cost of an export
        renderer = Renderer(table)
        rendered = render_passages(renderer, found)
        stream = io.StringIO()
        tabular.write_quotes_csv([Quote(p, "(Rektor, skola 1)") for p in rendered], stream)
        out[:] = [stream.getvalue()]

    plain_s = min(_best(args.runs, plain), _best(1, plain))  # measured before and after, in one run
    masked_s = _best(args.runs, masked)
    plain_s = min(plain_s, _best(args.runs, plain))
    assert not any(name in out[0] for name in names)
    # where the extra time goes
    compile_s = _best(args.runs, lambda: Renderer(table))
    renderer = Renderer(table)
    render_s = _best(args.runs, lambda: render_passages(renderer, found))

    print(f"words={args.words}")
    print(f"entries={args.entries}")
    print(f"export_plain_s={plain_s:.3f}")
    print(f"export_pseudonymised_s={masked_s:.3f}")
    print(f"compile_table_s={compile_s:.3f}")
    print(f"render_passages_s={render_s:.3f}")
    print(f"words_per_s_plain={args.words / plain_s:.0f}")
    print(f"words_per_s_pseudonymised={args.words / masked_s:.0f}")
    print(f"speed_ratio={plain_s / masked_s:.3f}")
    print("speed_ratio_floor=0.5")
    print(f"target_met={plain_s / masked_s >= 0.5}")


if __name__ == "__main__":
    main()
