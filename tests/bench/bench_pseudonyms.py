"""Benchmark of pseudonym rendering; prints ``name=value`` lines.

Target: writing a quotes CSV of 1,000,000 words with pseudonyms (a table of 300 entries,
each with its genitive, rendered in one pass over each passage) at >= 0.5 of the speed
of writing the same export without them, measured in the same run.

Run: ``python tests/bench/bench_pseudonyms.py`` (``--words N`` for a smaller export).
"""

from __future__ import annotations

import argparse
import io
import random
import time

from qualcode.core.model import CodedPassage
from qualcode.core.pseudonyms import Pseudonym, Renderer
from qualcode.exporters import tabular
from qualcode.exporters.tabular import Quote
from qualcode.services.pseudonyms import render_passage

WORDS = ("vi", "har", "en", "kvalitetsdialog", "med", "förvaltningen", "varje", "höst", "och", "rektorn",
         "sa", "att", "det", "var", "fel", "tid", "på", "skolan", "eleverna", "analysen")


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=300)
    args = parser.parse_args()
    names = [f"Namn{n}skolan" for n in range(args.entries)]
    table = [Pseudonym(name, f"skola {n}", "school") for n, name in enumerate(names)]
    found = passages(args.words, names)

    start = time.perf_counter()
    tabular.write_quotes_csv([Quote(p, "(Rektor, skola 1)") for p in found], io.StringIO())
    plain = time.perf_counter() - start

    start = time.perf_counter()
    renderer = Renderer(table)
    rendered = [render_passage(renderer, p) for p in found]
    out = io.StringIO()
    tabular.write_quotes_csv([Quote(p, "(Rektor, skola 1)") for p in rendered], out)
    masked = time.perf_counter() - start
    assert not any(name in out.getvalue() for name in names[:20])

    print(f"words={args.words}")
    print(f"entries={args.entries}")
    print(f"export_plain_s={plain:.3f}")
    print(f"export_pseudonymised_s={masked:.3f}")
    print(f"speed_ratio={plain / masked:.3f}")
    print(f"target_met={plain / masked >= 0.5}")


if __name__ == "__main__":
    main()
