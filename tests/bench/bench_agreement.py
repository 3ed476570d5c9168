"""Benchmark of the agreement statistics on synthetic data; prints ``name=value`` lines.

Targets: 3 coders x 50,000 sentences x 40 codes, every statistic except unitized alpha,
under 5 s; unitized alpha for 10,000 spans under 10 s; a 1,000-resample bootstrap
under 30 s. Run: ``python tests/bench/bench_agreement.py``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from qualcode.analysis.agreement.compute import AgreementInput, Options, compute
from qualcode.analysis.agreement.units import Spans, Units

N_UNITS, N_CODERS, N_CODES, N_DOCS = 50_000, 3, 40, 100
SENTENCE = 80


def synthetic(rng: np.random.Generator, n_units: int, rate: float) -> AgreementInput:
    per_doc = n_units // N_DOCS
    lengths = np.full(N_DOCS, per_doc * SENTENCE)
    doc = np.repeat(np.arange(N_DOCS), per_doc)
    start = np.tile(np.arange(per_doc) * SENTENCE, N_DOCS)
    units = Units(doc, start, start + SENTENCE - 1)
    truth = rng.random((N_CODES, len(doc))) < rate
    rows = []
    for coder in range(N_CODERS):
        noisy = truth ^ (rng.random(truth.shape) < rate / 3)
        code, unit = np.nonzero(noisy)
        shift = rng.integers(-3, 4, size=len(unit))
        s = np.clip(start[unit] + shift, 0, None)
        rows.append(np.column_stack([doc[unit], code, np.full(len(unit), coder), s, start[unit] + SENTENCE - 1]))
    spans = Spans.of([tuple(r) for r in np.vstack(rows).tolist()])
    return AgreementInput(tuple(f"c{i}" for i in range(N_CODERS)),
                          tuple((f"k{i}", f"K{i}") for i in range(N_CODES)),
                          tuple(f"d{i}" for i in range(N_DOCS)), lengths, spans, units)


def timed(label: str, target: float, action) -> None:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    action()
    took = time.perf_counter() - began
    print(f"{label}_s={took:.2f} target<{target:g} {'ok' if took < target else 'SLOW'}")


def main() -> None:
    rng = np.random.default_rng(1)
    data = synthetic(rng, N_UNITS, 0.05)
    print(f"spans={len(data.spans.start)} units={N_UNITS} coders={N_CODERS} codes={N_CODES}")

    def all_but_unitized() -> None:
        for unit in ("segment", "character", "overlap"):
            compute(data, Options(unit=unit, resamples=0))

    timed("all_statistics_except_unitized", 5, all_but_unitized)
    small = synthetic(np.random.default_rng(2), 10_000 * 100 // (N_CODES * N_CODERS * 5), 0.05)
    # the 2016 family also runs per group of four codes (as if each group were a domain)
    small = replace(small, domains=tuple((f"g{g}", f"G{g}", tuple(range(g * 4, g * 4 + 4)))
                                         for g in range(N_CODES // 4)))
    print(f"unitized_spans={len(small.spans.start)}")
    timed("unitized_alpha", 10, lambda: compute(small, Options(unit="unitized")))
    timed("bootstrap_1000", 30, lambda: compute(data, Options(unit="segment", resamples=1000)))


if __name__ == "__main__":
    main()
