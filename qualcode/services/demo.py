"""Building the demo project from the shipped corpus and codebooks.

A new user's first look at qualcode is the demo, so it is built ready to use: the
transcripts, the three codebooks, the example codings and memos, the double-coding rounds
replayed with their samples, clarification and adjudication (see :mod:`demo_rounds`), and
(unless asked for a bare build) the sentence vectors of the fast embedder and one stored topic run, so that
suggestions, similar passages and the topics screen answer at once.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import qualcode
from qualcode.errors import QualcodeError
from qualcode.importers.anchored_codings import read_memo_notes
from qualcode.services import codebook, corpus, demo_rounds
from qualcode.services.project import create_project
from qualcode.storage.store import Store

DEMO_FILE = "sbs-demo.qualcode"
# The shipped corpora a demo can be built from, and the file each is built into.
DEMO_CORPORA = {"sbs-demo": DEMO_FILE, "english-demo": "english-demo.qualcode"}
# What the build wrote, row counts per table: a rebuild compares it with what is there now.
_BUILT_KEY = "demo.built"
SHIPPED_CODEBOOKS = ("loose-coupling", "organisational-routines", "quality-steering")
# The embedder a demo is built with: character TF-IDF needs no model and embeds the
# demo corpus in seconds; a semantic embedder can be added later with 'qualcode embed'.
DEMO_EMBEDDER = "tfidf"
DEMO_TOPIC_LABEL = "demo: first look"
# Interviewers' questions are left out of the topic run, as a researcher would.
DEMO_TOPIC_EXCLUDE = {"role": ["intervjuare"]}
DEMO_TOPIC_MIN_SIZE = 15


@dataclass
class DemoReport:
    path: Path
    import_report: corpus.ImportReport
    codebooks: list[str]
    codings: int
    memos: int
    rounds: list[str] = field(default_factory=list)
    decisions: int = 0
    embedded: int = 0
    topic_run: int | None = None
    topics: int = 0


def data_root() -> Path:
    """The folder holding ``corpora/`` and ``codebooks/`` (the source checkout)."""
    root = Path(qualcode.__file__).resolve().parents[1]
    if not (root / "corpora").is_dir():
        raise QualcodeError("The demo corpus is not installed next to qualcode.",
                            "Run qualcode from a checkout of its repository (pip install -e .).")
    return root


def add_memo_notes(store: Store, path: Path) -> int:
    """Write the memos of a memo file (see :func:`read_memo_notes`); returns how many."""
    from qualcode.services import coding

    notes = read_memo_notes(path)
    for note in notes:
        target = coding.memo_target(store, note.kind, note.target)
        coding.add_memo(store, note.kind, target, note.text, note.coder)
    return len(notes)


def make_ready(store: Store, report: DemoReport, *, progress: corpus.Progress | None = None,
               topics_run: bool = True) -> None:
    """Embed the sentences with the demo embedder and (unless told not to) store one topic run."""
    from qualcode.analysis.topics import TopicSettings
    from qualcode.services import embedding_cache, topics

    language = embedding_cache.project_language(store)
    embedded = embedding_cache.embed_project(store, DEMO_EMBEDDER, progress=progress)
    report.embedded = embedded.texts
    if not topics_run:
        return
    settings = TopicSettings(min_topic_size=DEMO_TOPIC_MIN_SIZE, language=language)
    view = topics.fit_topics(store, settings, embedder=DEMO_EMBEDDER, label=DEMO_TOPIC_LABEL,
                             exclude=DEMO_TOPIC_EXCLUDE)
    report.topic_run = view.run.id
    report.topics = sum(1 for t in view.topics if t.number != -1)


def build_demo(target: Path, *, progress: corpus.Progress | None = None,
               ready: bool = True, corpus_name: str = "sbs-demo") -> tuple[Store, DemoReport]:
    """Build the demo project at ``target``; ``ready=False`` skips embedding and topics.

    ``corpus_name`` picks a shipped corpus (:data:`DEMO_CORPORA`). The three short English
    interviews get vectors but no topic run: they are too few sentences for one."""
    if corpus_name not in DEMO_CORPORA:
        raise QualcodeError(f"No demo corpus '{corpus_name}'.", f"Use one of: {', '.join(DEMO_CORPORA)}.")
    root = data_root()
    corpus_dir = root / "corpora" / corpus_name
    name = "SBS demo" if corpus_name == "sbs-demo" else "English demo"
    store = create_project(target, name=name)
    try:
        report = corpus.import_paths(store, sorted(corpus_dir.glob("*.md")),
                                     speaker_map=corpus_dir / "speakers.yaml", progress=progress)
        if report.failed:
            problems = "; ".join(f"{p.path}: {p.reason}" for p in report.failed)
            raise QualcodeError(f"The demo corpus did not import cleanly: {problems}")
        for slug in SHIPPED_CODEBOOKS:
            codebook.load_file(store, root / "codebooks" / f"{slug}.yaml")
        coded = demo_rounds.replay_rounds(store, corpus_dir, add_memo_notes)
        memo_file = corpus_dir / "memos.yaml"
        memos = coded.memos + (add_memo_notes(store, memo_file) if memo_file.exists() else 0)
        demo = DemoReport(store.location.path or target, report, list(SHIPPED_CODEBOOKS),
                          coded.codings, memos, rounds=coded.rounds, decisions=coded.decisions)
        if ready:
            make_ready(store, demo, topics_run=corpus_name == "sbs-demo")
        # Taken last, so that a rebuild of an untouched demo finds nothing beyond the build.
        with store.unit_of_work() as uow:
            uow.settings.set(_BUILT_KEY, json.dumps(uow.content_counts(), sort_keys=True))
    except BaseException:
        store.close()
        raise
    return store, demo


def work_beyond_build(target: Path) -> str | None:
    """What the file at ``target`` holds that the demo build did not write; None if nothing.

    Anything that cannot be read as an untouched demo build counts as work: another
    file, a damaged project, one built by an older version, one with codings, memos,
    adjudications or topic runs added since.
    """
    from qualcode.services.project import open_project

    try:
        store = open_project(target)
    except QualcodeError as exc:
        # without the message's own full stop: the caller ends the sentence
        return f"it is not a demo project this version can read: {exc.message.rstrip('.')}"
    try:
        with store.unit_of_work() as uow:
            built = uow.settings.get(_BUILT_KEY)
            now = uow.content_counts()
    finally:
        store.close()
    if built is None:
        return "it was not made by 'qualcode demo', or by a version that kept no record of the build"
    before = json.loads(built)
    changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if not changed:
        return None
    if changed == ["last_event"]:
        return "changes were made since it was built"
    return "changes since it was built: " + ", ".join(
        f"{k} {before.get(k, 0)} -> {now.get(k, 0)}" for k in changed if k != "last_event")


def set_aside(target: Path) -> Path:
    """Copy ``target`` to a free ``.bak`` name beside it (same file mode), then remove it."""
    from qualcode.storage.engine import backup_sqlite, check_sqlite_file

    backup = target.with_name(target.name + ".bak")
    number = 1
    while backup.exists():
        number += 1
        backup = target.with_name(f"{target.name}.{number}.bak")
    try:
        check_sqlite_file(target, must_exist=True)
        backup_sqlite(target, backup)
    except (QualcodeError, OSError, sqlite3.Error):
        shutil.copy2(target, backup)  # not a readable project: keep its bytes as they are
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return backup
