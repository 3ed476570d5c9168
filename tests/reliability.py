"""Crash and concurrency trials, shared by the test suite (short) and the benchmark (long).

A trial runs a real ``qualcode`` command (or a coding loop) in a subprocess, kills it
with SIGKILL at a random moment, and checks the project with sqlite3 directly:
integrity, foreign keys, every document whole (the same text, turns, segments and
search rows as a complete import of it) or absent, every committed coding still there,
and that the project opens. ``python -m tests.reliability code-loop ...`` is the coding
loop the trials kill and the concurrency tests run side by side.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUALCODE = str(Path(sys.executable).with_name("qualcode"))

_WORDS = ("skolan", "rektorn", "huvudmannen", "uppföljning", "kvalitet", "dialog", "betygen",
          "resultaten", "lärarna", "arbetslaget", "förvaltningen", "nämnden", "planen", "målen",
          "eleverna", "undervisningen", "samverkan", "styrningen", "ansvaret", "beslutet",
          "underlaget", "analysen", "rapporten", "mötet", "hösten", "våren")
_SPEAKERS = ("Intervjuare", "Rektor", "Lärare")


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "QUALCODE_CODER": "crash"}


def write_corpus(folder: Path, documents: int, turns: int, seed: int = 7) -> Path:
    """Transcripts of made-up sentences: ``documents`` files of ``turns`` turns each."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        lines = []
        for turn in range(turns):
            sentences = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 14))).capitalize() + "."
                         for _ in range(rng.randint(1, 4))]
            lines.append(f"{_SPEAKERS[turn % 3]}: {' '.join(sentences)}")
        (folder / f"intervju_{number:03d}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return folder


# ------------------------------------------------------------------------- checks


def document_shapes(path: Path) -> dict[str, tuple]:
    """Per document name: its text's hash and how many turns, segments and search rows it has."""
    connection = sqlite3.connect(path)
    try:
        return {name: (sha, turns, segments, rows) for name, sha, turns, segments, rows in connection.execute(
            "SELECT d.name, d.sha256, "
            "(SELECT count(*) FROM turns t WHERE t.document_id = d.id), "
            "(SELECT count(*) FROM segments s WHERE s.document_id = d.id), "
            "(SELECT count(*) FROM search_text x WHERE x.document_id = d.id) FROM documents d")}
    finally:
        connection.close()


def problems(path: Path, reference: dict[str, tuple] | None = None) -> list[str]:
    """What is wrong with the project file, checked with sqlite3; empty when all is well."""
    found: list[str] = []
    connection = sqlite3.connect(path)
    try:
        if connection.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            found.append("integrity_check failed")
        for row in connection.execute("PRAGMA foreign_key_check"):
            found.append(f"foreign key broken: {row}")
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "documents" in tables:
            outside = connection.execute(
                "SELECT count(*) FROM segments s JOIN documents d ON d.id = s.document_id "
                "WHERE s.\"end\" > length(d.text) OR s.start < 0").fetchone()[0]
            if outside:
                found.append(f"{outside} segments outside their text")
            codings_outside = connection.execute(
                "SELECT count(*) FROM codings c JOIN documents d ON d.id = c.document_id "
                "WHERE c.\"end\" > length(d.text)").fetchone()[0]
            if codings_outside:
                found.append(f"{codings_outside} codings outside their text")
    finally:
        connection.close()
    if found:
        return found
    shapes = document_shapes(path) if "documents" in tables else {}
    for name, shape in shapes.items():
        if shape[1] == 0 or shape[2] == 0 or shape[3] == 0:
            found.append(f"document {name} is partly there: {shape}")
        elif reference is not None and reference.get(name) != shape:
            found.append(f"document {name} differs from a complete import: {shape} != {reference.get(name)}")
    found += _opens_and_searches(path)
    return found


def _opens_and_searches(path: Path) -> list[str]:
    """The project opens (upgrading if need be), its search index fills and checks out."""
    from qualcode.errors import QualcodeError
    from qualcode.storage.store import Store

    try:
        store = Store.open(path)
        try:
            with store.unit_of_work() as uow:
                uow.search.index_pending()
        finally:
            store.close()
    except QualcodeError as exc:
        return [f"does not open: {exc}"]
    connection = sqlite3.connect(path)
    try:
        connection.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        return [f"search index: {exc}"]
    finally:
        connection.close()
    return []


# ------------------------------------------------------------------------- trials


@dataclass
class Tally:
    trials: int = 0
    survived: int = 0
    lost: int = 0
    tracebacks: int = 0
    orphans: int = 0
    interrupted: int = 0  # kills that landed while the work was under way (not before, not after)
    notes: list[str] = field(default_factory=list)

    def add(self, issues: list[str], *, lost: int = 0, tracebacks: int = 0) -> None:
        self.trials += 1
        self.lost += lost
        self.tracebacks += tracebacks
        if not issues and not lost:
            self.survived += 1
        self.notes += issues

    def line(self, name: str) -> str:
        return (f"{name}: trials={self.trials} survived={self.survived} lost={self.lost} "
                f"tracebacks={self.tracebacks} orphans={self.orphans} interrupted={self.interrupted}")


def _children(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def kill_at(command: list[str], delay: float, *, cwd: Path) -> tuple[int, str, set[int]]:
    """Run ``command``, SIGKILL it after ``delay`` s; its exit code, stderr and the children
    that outlived it by more than ten seconds."""
    process = subprocess.Popen(command, cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + delay
    children: set[int] = set()
    while time.monotonic() < deadline and process.poll() is None:
        children |= _children(process.pid)
        time.sleep(0.02)
    if process.poll() is None:
        children |= _children(process.pid)
        process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate()
    wait_until = time.monotonic() + 10
    while time.monotonic() < wait_until and any(_alive(c) for c in children):
        time.sleep(0.1)
    return process.returncode, stderr, {c for c in children if _alive(c)}


def kill_once_children_run(command: list[str], *, cwd: Path, wait_s: float = 120.0
                           ) -> tuple[set[int], set[int]]:
    """Run ``command`` until it has child processes, SIGKILL it; (children, those alive 10 s on)."""
    process = subprocess.Popen(command, cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    children: set[int] = set()
    deadline = time.monotonic() + wait_s
    while not children and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        children = _children(process.pid)
    time.sleep(0.5)  # let the workers get to work
    children |= _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    wait_until = time.monotonic() + 10
    while time.monotonic() < wait_until and any(_alive(c) for c in children):
        time.sleep(0.1)
    survivors = {c for c in children if _alive(c)}
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return children, survivors


def timed(command: list[str], *, cwd: Path) -> float:
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env(), capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise AssertionError(f"{command}: {result.stdout}{result.stderr}")
    return time.monotonic() - started


def new_project(path: Path) -> Path:
    from qualcode.storage.store import Store

    Store.open(path, create=True).close()
    return path


def import_trial(tally: Tally, corpus: Path, work: Path, number: int, rng: random.Random,
                 duration: float, reference: dict[str, tuple]) -> None:
    """Kill a folder import; every document whole or absent; no segmentation worker left."""
    db = new_project(work / f"import-{number}.qualcode")
    _, stderr, orphans = kill_at([QUALCODE, "import", str(corpus), "--db", str(db), "--quiet"],
                                 rng.uniform(0.1, duration), cwd=work)
    tally.orphans += len(orphans)
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    tally.interrupted += int(0 < len(document_shapes(db)) < len(reference))
    issues = problems(db, reference)
    if orphans:
        issues.append(f"{len(orphans)} worker process(es) outlived the killed import")
    tally.add(issues, tracebacks=int("Traceback" in stderr))


def import_project_trial(tally: Tally, qdpx: Path, work: Path, number: int, rng: random.Random,
                         duration: float, documents: int) -> None:
    """Kill ``import-project`` into a new project: no half file; a rerun is not refused."""
    folder = work / f"import-project-{number}"
    folder.mkdir()
    _, stderr, _ = kill_at([QUALCODE, "import-project", str(qdpx), "--quiet"], rng.uniform(0.1, duration),
                           cwd=folder)
    target = folder / f"{qdpx.stem}.qualcode"
    tally.interrupted += int(not target.exists() and any(folder.glob(".*partial*")))
    issues: list[str] = []
    if target.exists():  # finished before the kill: it must be whole
        issues += problems(target)
        if len(document_shapes(target)) != documents:
            issues.append("import-project left a project without all its documents")
    else:
        rerun = subprocess.run([QUALCODE, "import-project", str(qdpx), "--quiet"], cwd=folder, env=env(),
                               capture_output=True, text=True, timeout=1800)
        if rerun.returncode != 0:
            issues.append(f"rerun refused: {rerun.stdout}{rerun.stderr}")
        elif len(document_shapes(target)) != documents:
            issues.append("rerun left a project without all its documents")
        stderr += rerun.stderr
    leftovers = [p.name for p in folder.iterdir() if p.name != target.name]
    if leftovers:
        issues.append(f"debris left: {leftovers}")
    tally.add(issues, tracebacks=int("Traceback" in stderr))


def coding_trial(tally: Tally, template: Path, work: Path, number: int, rng: random.Random) -> None:
    """Kill a loop of coding operations; every coding it reported committed is there."""
    db = work / f"coding-{number}.qualcode"
    shutil.copy(template, db)
    process = subprocess.Popen([sys.executable, "-m", "tests.reliability", "code-loop", str(db),
                                f"coder{number}", str(rng.randrange(10**6)), "100000"],
                               cwd=REPO, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()  # "ready": the loop has opened the project
    time.sleep(rng.uniform(0.2, 2.5))
    process.send_signal(signal.SIGKILL)
    out, stderr = process.communicate()
    committed = committed_codings((first + out).splitlines())
    tally.interrupted += int("done" not in out)
    # A removal (or an undo of an apply) commits before the loop can print "rm": killed in
    # between, the coding is gone by the user's own change, which the log records.
    missing = committed - existing_codings(db) - removed_in_log(db)
    tally.add(problems(db), lost=len(missing), tracebacks=int("Traceback" in stderr))


def committed_codings(lines: list[str]) -> set[int]:
    """The coding ids a loop reported as committed and not removed since."""
    alive: set[int] = set()
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "ok":
            alive.add(int(parts[1]))
        elif len(parts) == 2 and parts[0] == "rm":
            alive.discard(int(parts[1]))
    return alive


def removed_in_log(path: Path) -> set[int]:
    """Codings the event log says were taken away on purpose: removed (and not restored by
    an undo since), or applied and then undone. The log entry commits with the change."""
    import json

    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT kind, payload, undone_by FROM events "
                                  "WHERE kind IN ('coding.removed', 'coding.added') ORDER BY id").fetchall()
    finally:
        connection.close()
    gone: set[int] = set()
    for kind, payload, undone_by in rows:
        coding_id = json.loads(payload)["coding_id"]
        if (kind == "coding.removed") == (undone_by is None):
            gone.add(coding_id)
        else:
            gone.discard(coding_id)
    return gone


def existing_codings(path: Path) -> set[int]:
    connection = sqlite3.connect(path)
    try:
        return {r[0] for r in connection.execute("SELECT id FROM codings")}
    finally:
        connection.close()


def row_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("documents", "turns", "segments", "search_text", "codings", "memos", "codes")}
    finally:
        connection.close()


def upgrade_trial(tally: Tally, old: Path, work: Path, number: int, rng: random.Random,
                  duration: float) -> None:
    """Kill the schema upgrade a command starts; the project is either old or new, never lost."""
    db = work / f"upgrade-{number}.qualcode"
    shutil.copy(old, db)
    before = row_counts(old)
    _, stderr, _ = kill_at([QUALCODE, "docs", "--db", str(db)], rng.uniform(0.1, duration), cwd=work)
    tally.interrupted += int(_revision(db) == "0007" and db.with_name(db.name + ".bak").exists())
    issues = problems(db)  # opens it, so an interrupted upgrade is completed here
    after = row_counts(db)
    lost = sum(max(0, before[t] - after[t]) for t in before)
    if after != before:
        issues.append(f"rows changed by the upgrade: {before} -> {after}")
    tally.add(issues, lost=lost, tracebacks=int("Traceback" in stderr))


def _revision(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        connection.close()


def project_at_0007(source: Path, target: Path) -> Path:
    """A project at schema 0007 holding ``source``'s rows (as a project made before 0008)."""
    from qualcode.storage import migrate
    from qualcode.storage.engine import locate, make_engine

    engine = make_engine(locate(target))
    try:
        migrate.upgrade(engine, "0007")
    finally:
        engine.dispose()
    connection = sqlite3.connect(target)
    try:
        connection.execute("ATTACH DATABASE ? AS src", (str(source),))
        tables = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts%' "
            "AND name NOT IN ('alembic_version', 'search_pending')")]
        with connection:
            for table in tables:
                columns = [r[1] for r in connection.execute(f'PRAGMA main.table_info("{table}")')]
                chosen = ["COALESCE(document_id, code_id, coding_id)" if c == "target_id" and table == "memos"
                          else f'"{c}"' for c in columns]
                names = ", ".join(f'"{c}"' for c in columns)
                connection.execute(f'INSERT INTO main."{table}" ({names}) SELECT {", ".join(chosen)} '
                                   f'FROM src."{table}"')
            connection.execute("INSERT INTO search_pending (document_id) SELECT id FROM documents")
    finally:
        connection.close()
    return target


# -------------------------------------------------------------------- coding loop


def code_loop(db: str, coder: str, seed: int, operations: int, start_at: float = 0.0) -> None:
    """Apply, remove, memo and undo at random, printing each committed coding change.

    ``ok ID`` after a coding is committed, ``rm ID`` after one is removed; a killed loop
    has committed at least what it printed.
    """
    from qualcode.services import coding
    from qualcode.services.coding import Span
    from qualcode.storage.store import Store

    rng = random.Random(seed)
    store = Store.open(db)
    with store.unit_of_work() as uow:
        documents = [(d.id, len(uow.documents.text(d.id))) for d in uow.documents.list()]
        codes = [c.key for b in uow.codebooks.list() for c in uow.codebooks.codes(b.id) if c.active]
    mine: list[int] = []
    print("ready", flush=True)
    time.sleep(max(0.0, start_at - time.time()))  # side-by-side loops start together
    for _ in range(operations):
        roll = rng.random()
        if roll < 0.6 or not mine:
            doc, length = rng.choice(documents)
            start = rng.randrange(0, length - 1)
            made = coding.apply_code(store, doc, rng.choice(codes), coder,
                                     Span(start, min(length, start + rng.randint(1, 200))))
            mine.append(made.id)
            print(f"ok {made.id}", flush=True)
        elif roll < 0.75:
            gone = mine.pop(rng.randrange(len(mine)))
            coding.remove_coding(store, gone, coder)
            print(f"rm {gone}", flush=True)
        elif roll < 0.9:
            coding.add_memo(store, "coding", rng.choice(mine), f"note {rng.random():.6f}", coder)
        else:
            try:
                what = coding.undo(store, coder)
            except coding.CodingError:
                continue  # refused or nothing to undo: both are fine here
            words = what.split()
            if words[0] == "coding" and "removed" in what:
                mine.remove(int(words[1]))
                print(f"rm {words[1]}", flush=True)
            elif words[0] == "coding" and "restored" in what:
                mine.append(int(words[1]))
                print(f"ok {words[1]}", flush=True)
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "code-loop":
        code_loop(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
                  float(sys.argv[6]) if len(sys.argv) > 6 else 0.0)


def side_by_side(db: str, coders: list[str], operations: int, *, delay: float = 8.0,
                 seed: int = 0) -> list[tuple[str, int, str, set[int]]]:
    """Run one coding loop per coder at once; (coder, exit code, stderr, committed ids) each."""
    start_at = time.time() + delay
    processes = [(coder, subprocess.Popen(
        [sys.executable, "-m", "tests.reliability", "code-loop", db, coder, str(seed + n), str(operations),
         str(start_at)], cwd=REPO, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for n, coder in enumerate(coders)]
    results = []
    for coder, process in processes:
        out, err = process.communicate(timeout=1800)
        results.append((coder, process.returncode, err, committed_codings(out.splitlines())))
    return results
