"""Benchmark of the agreement statistics on synthetic data; prints ``name=value`` lines.

Targets: 3 coders x 50,000 sentences x 40 codes, every statistic except unitized alpha,
together with ordinal alpha over 50,000 weighted segments x 3 coders, under 5 s;
unitized alpha for 10,000 spans under 10 s; a 1,000-resample bootstrap under 30 s;
gamma for 2 coders x 500 spans under 60 s; gamma of 3 coders x 500 spans aligned jointly
under 120 s. The user's path: ``qualcode agreement`` (the
installed script, segment unit, no bootstrap) on a project of 200,000 sentences and
1,000,000 codings by 3 coders, within 3x of fetching the same rows with bare sqlite3 in
the same run, peak RSS under 1 GB.

It prints ``agreement_cli_s`` (the median of three runs), ``bare_fetch_s`` (the best of
three), ``ratio_to_fetch`` and ``peak_rss_mb``, and the same ratio in CPU seconds
(``cpu_ratio_to_fetch``), which a busy machine inflates less than wall time.

Run: ``python tests/bench/bench_agreement.py`` (``--sentences N --codings N`` for a
smaller project, ``--project PATH`` to build it once and reuse it, ``--only-project`` for
the user's path alone, ``--skip-project`` to leave it out).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

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


def ordinal_weights(rng: np.random.Generator, n_units: int, coders: int) -> np.ndarray:
    """Weights 0-100 of 3 coders on ``n_units`` segments: near a true value, some missing."""
    truth = rng.integers(0, 101, size=n_units)
    values = np.clip(truth[:, None] + rng.integers(-15, 16, size=(n_units, coders)), 0, 100).astype(float)
    values[rng.random(values.shape) < 0.1] = np.nan
    return values


def gamma_spans(rng: np.random.Generator, n: int):  # type: ignore[no-untyped-def]
    from qualcode.analysis.agreement.gamma import GammaUnits

    a, b, position = [], [], 0
    for _ in range(n):
        position += int(rng.integers(5, 80))
        length = int(rng.integers(20, 300))
        category = int(rng.integers(0, 8))
        a.append((int(position // 20_000), position % 20_000, position % 20_000 + length, category))
        shift = int(rng.integers(-10, 11))
        b.append((a[-1][0], max(0, a[-1][1] + shift), a[-1][2] + int(rng.integers(-10, 11)) + 11,
                  category if rng.random() < 0.8 else int(rng.integers(0, 8))))
        position += length
    return GammaUnits.of(a), GammaUnits.of(b)


def another_coder(rng: np.random.Generator, a):  # type: ignore[no-untyped-def]
    """A coder who codes what ``a`` coded, a little shifted, 80 % in the same category."""
    from qualcode.analysis.agreement.gamma import GammaUnits

    shift = rng.integers(-10, 11, size=len(a))
    start = np.maximum(0, a.start + shift)
    end = np.maximum(start + 1, a.end + rng.integers(-10, 11, size=len(a)))
    category = np.where(rng.random(len(a)) < 0.8, a.category, rng.integers(0, 8, size=len(a)))
    return GammaUnits(a.document.copy(), start, end, category)


# ------------------------------------------------------------------ the user's path

CODERS = ("anna", "bo", "cara")
SENTENCE_TEXT = "Vi följer upp resultaten i kvalitetsdialogen med förvaltningen varje termin. "


def build_project(path: Path, sentences: int, codings: int, seed: int = 5) -> None:
    """A project of ``sentences`` sentences (500 per document) and ``codings`` whole-sentence
    codings of 40 codes by three coders, written through the storage layer."""
    import random

    from qualcode.core.codebook import CodebookSpec, CodeSpec
    from qualcode.core.model import CodingOrigin, ParsedDocument, SegmentKind
    from qualcode.services import codebook
    from qualcode.services.project import create_project
    from qualcode.storage.repositories.documents import NewSegment

    store = create_project(path, name="bench")
    try:
        codebook.load_spec(store, CodebookSpec("bench", "Bench", codes=tuple(
            CodeSpec(f"c{i:02d}", f"Code {i}", definition="Benchmark code.") for i in range(N_CODES))))
        rng = random.Random(seed)
        with store.unit_of_work() as uow:
            code_ids = [c.id for c in uow.codebooks.codes(uow.codebooks.get_by_slug("bench").id)]
            coder_ids = [uow.coders.get_or_create(name).id for name in CODERS]
        per_doc = 500
        documents = max(1, sentences // per_doc)
        step = len(SENTENCE_TEXT)
        for d in range(documents):
            parsed = ParsedDocument(name=f"doc{d:04d}", text=SENTENCE_TEXT * per_doc, format="txt",
                                    turns=(), attributes={})
            segments = [NewSegment(SegmentKind.SENTENCE, i * step, (i + 1) * step - 1, None)
                        for i in range(per_doc)]
            with store.unit_of_work() as uow:
                doc_id = uow.documents.add(parsed, language="sv", word_count=per_doc * 11,
                                           sha256=f"{d:064d}", segments=segments,
                                           speaker_attributes={}).id
                rows = []
                for _ in range(codings // documents // 3):
                    i, code = rng.randrange(per_doc), rng.choice(code_ids)
                    for coder in coder_ids:  # the three coders mostly agree
                        j = i if rng.random() < 0.85 else rng.randrange(per_doc)
                        rows.append({"document_id": doc_id, "code_id": code, "coder_id": coder,
                                     "start": j * step, "end": (j + 1) * step - 1,
                                     "origin": str(CodingOrigin.IMPORTED)})
                uow.codings.add_many(rows)
    finally:
        store.close()


def bare_fetch(path: Path) -> tuple[float, float]:
    """The floor: the same sentences and codings read with bare sqlite3 into arrays
    (wall and CPU seconds)."""
    began, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(path)
    try:
        units = connection.execute(
            "SELECT document_id, start, \"end\" FROM segments WHERE kind = 'sentence'").fetchall()
        codings = connection.execute(
            "SELECT document_id, code_id, coder_id, start, \"end\", weight FROM codings").fetchall()
        np.asarray(units, dtype=np.int64)
        np.asarray([r[:5] for r in codings], dtype=np.int64)
    finally:
        connection.close()
    return time.perf_counter() - began, time.process_time() - cpu


def users_path(path: Path) -> tuple[float, float, float]:
    """``qualcode agreement`` as a user runs it: wall seconds, CPU seconds (what a busy shared
    machine does not inflate) and peak RSS in MB."""
    script = Path(sys.executable).with_name("qualcode")
    began = time.perf_counter()
    child = subprocess.Popen([str(script), "agreement", "--db", str(path), "--coders", ",".join(CODERS),
                              "--resamples", "0", "--quiet"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"qualcode agreement failed: {child.stderr.read().decode() if child.stderr else ''}")
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def agreement_screen(path: Path) -> None:
    """The agreement screen as a user opens it: seconds until the first figures show and
    until the bootstrapped intervals replace them."""
    import asyncio

    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.agreement import AgreementScreen
    from qualcode.tui.screens.main import MainScreen

    async def drive() -> tuple[float, float]:
        app = QualcodeApp(str(path), coder="bench", suggestions=False)
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, MainScreen):
                await pilot.pause(0.01)
            while app.store is None:  # the first screen comes from a light read; the store follows
                await pilot.pause(0.01)
            await app.workers.wait_for_complete()  # the main screen has loaded, as a user sees it
            await pilot.pause(0.5)
            screen = AgreementScreen(app.store, "bench", coders="anna,bo")
            began = time.perf_counter()
            await app.push_screen(screen)
            while screen.first_figures is None and screen.report is None:
                await pilot.pause(0.01)
            first = time.perf_counter() - began
            while screen.report is None:
                await pilot.pause(0.01)
            return first, time.perf_counter() - began

    first, every = asyncio.run(drive())
    print(f"screen_first_figures_s={first:.2f} target<1 {'ok' if first < 1 else 'SLOW'}")
    print(f"screen_with_intervals_s={every:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=200_000)
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--skip-project", action="store_true")
    parser.add_argument("--only-project", action="store_true",
                        help="Time only the user's path (leave the statistics on synthetic arrays out).")
    parser.add_argument("--project", type=Path, default=None,
                        help="Keep the synthetic project at this path and reuse it when it is there "
                             "(it is built once for the given --sentences and --codings).")
    parser.add_argument("--screen", type=Path, default=None, metavar="PROJECT",
                        help="Also time the workbench's agreement screen on this project (the demo).")
    args = parser.parse_args()
    if args.screen is not None:
        agreement_screen(args.screen)
    if not args.only_project:
        statistics()
    if not args.skip_project:
        project_path(args)


def statistics() -> None:
    rng = np.random.default_rng(1)
    data = synthetic(rng, N_UNITS, 0.05)
    print(f"spans={len(data.spans.start)} units={N_UNITS} coders={N_CODERS} codes={N_CODES}")
    weights = ordinal_weights(np.random.default_rng(3), N_UNITS, N_CODERS)

    def all_but_unitized() -> None:
        from qualcode.analysis.agreement.levels import alpha

        for unit in ("segment", "character", "overlap"):
            compute(data, Options(unit=unit, resamples=0))
        alpha(weights, "ordinal")

    timed("all_statistics_except_unitized_with_ordinal_alpha", 5, all_but_unitized)
    from qualcode.analysis.agreement.levels import alpha

    timed("ordinal_alpha_50000x3", 5, lambda: alpha(weights, "ordinal"))
    small = synthetic(np.random.default_rng(2), 10_000 * 100 // (N_CODES * N_CODERS * 5), 0.05)
    # the 2016 family also runs per group of four codes (as if each group were a domain)
    small = replace(small, domains=tuple((f"g{g}", f"G{g}", tuple(range(g * 4, g * 4 + 4)))
                                         for g in range(N_CODES // 4)))
    print(f"unitized_spans={len(small.spans.start)}")
    timed("unitized_alpha", 10, lambda: compute(small, Options(unit="unitized")))
    timed("bootstrap_1000", 30, lambda: compute(data, Options(unit="segment", resamples=1000)))
    from qualcode.analysis.agreement.gamma import gamma

    a, b = gamma_spans(np.random.default_rng(4), 500)
    result = {}
    timed("gamma_2x500", 60, lambda: result.setdefault("g", gamma(a, b, samples=30, seed=2024)))
    g = result["g"]
    print(f"gamma_2x500={g.gamma:.3f} interval={g.interval[0]:.3f},{g.interval[1]:.3f}" if g.interval
          else f"gamma_2x500={g.gamma:.3f}")
    from qualcode.analysis.agreement.gamma_joint import gamma_joint

    c = another_coder(np.random.default_rng(6), a)
    timed("gamma_joint_3x500", 120, lambda: result.setdefault("j", gamma_joint([a, b, c], samples=30, seed=2024)))
    print(f"gamma_joint_3x500={result['j'].gamma:.3f}")


def project_path(args: argparse.Namespace) -> None:
    if args.project is None:
        with tempfile.TemporaryDirectory() as tmp:
            timed_project(Path(tmp) / "bench.qualcode", args, build=True)
        return
    wanted = f"{args.sentences}:{args.codings}"
    marker = args.project.with_name(args.project.name + ".size")
    fresh = not args.project.exists() or not marker.exists() or marker.read_text() != wanted
    if fresh:
        for stale in (args.project, args.project.with_name(args.project.name + "-wal"),
                      args.project.with_name(args.project.name + "-shm")):
            stale.unlink(missing_ok=True)
        args.project.parent.mkdir(parents=True, exist_ok=True)
    timed_project(args.project, args, build=fresh)
    if fresh:
        marker.write_text(wanted)


def timed_project(path: Path, args: argparse.Namespace, *, build: bool) -> None:
    if build:
        began = time.perf_counter()
        build_project(path, args.sentences, args.codings)
        print(f"build_s={time.perf_counter() - began:.1f}")
    print(f"project_sentences={args.sentences} project_codings={args.codings} coders={len(CODERS)}")
    floors = [bare_fetch(path) for _ in range(3)]
    runs = [users_path(path) for _ in range(3)]
    floor, floor_cpu = min(f[0] for f in floors), min(f[1] for f in floors)
    took, cpu = sorted(r[0] for r in runs)[1], sorted(r[1] for r in runs)[1]
    rss = max(r[2] for r in runs)
    ratio, cpu_ratio = took / floor, cpu / floor_cpu
    print(f"bare_fetch_s={floor:.2f} bare_fetch_cpu_s={floor_cpu:.2f}")
    print(f"agreement_cli_s={took:.2f} agreement_cli_cpu_s={cpu:.2f}")
    print(f"ratio_to_fetch={ratio:.2f} target<=3 {'ok' if ratio <= 3 else 'SLOW'}")
    print(f"cpu_ratio_to_fetch={cpu_ratio:.2f} target<=3 {'ok' if cpu_ratio <= 3 else 'SLOW'}")
    print(f"peak_rss_mb={rss:.0f} target<1024 {'ok' if rss < 1024 else 'HIGH'}")

if __name__ == "__main__":
    main()
