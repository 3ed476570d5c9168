"""Building the demo project from the shipped corpus and codebooks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import qualcode
from qualcode.errors import QualcodeError
from qualcode.services import anchored, codebook, corpus
from qualcode.services.project import create_project
from qualcode.storage.store import Store

DEMO_FILE = "sbs-demo.qualcode"
SHIPPED_CODEBOOKS = ("loose-coupling", "organisational-routines", "quality-steering")


@dataclass
class DemoReport:
    path: Path
    import_report: corpus.ImportReport
    codebooks: list[str]
    codings: int
    memos: int


def data_root() -> Path:
    """The folder holding ``corpora/`` and ``codebooks/`` (the source checkout)."""
    root = Path(qualcode.__file__).resolve().parents[1]
    if not (root / "corpora").is_dir():
        raise QualcodeError("The demo corpus is not installed next to qualcode.",
                            "Run qualcode from a checkout of its repository (pip install -e .).")
    return root


def build_demo(target: Path, *, progress: corpus.Progress | None = None) -> tuple[Store, DemoReport]:
    root = data_root()
    corpus_dir = root / "corpora" / "sbs-demo"
    store = create_project(target, name="SBS demo")
    try:
        report = corpus.import_paths(store, sorted(corpus_dir.glob("*.md")),
                                     speaker_map=corpus_dir / "speakers.yaml", progress=progress)
        if report.failed:
            problems = "; ".join(f"{p.path}: {p.reason}" for p in report.failed)
            raise QualcodeError(f"The demo corpus did not import cleanly: {problems}")
        for slug in SHIPPED_CODEBOOKS:
            codebook.load_file(store, root / "codebooks" / f"{slug}.yaml")
        coded = anchored.apply_anchored_folder(store, corpus_dir / "codings")
    except BaseException:
        store.close()
        raise
    return store, DemoReport(store.location.path or target, report, list(SHIPPED_CODEBOOKS),
                             coded.applied, coded.memos)
