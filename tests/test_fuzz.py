"""Fuzzing: random and mutated bytes into every importer, random argument lists into the CLI.

What must hold for any input:

- an importer either returns or raises a :class:`QualcodeError` (which the CLI turns into
  a message and an exit code): never another exception, never a hang;
- a command exits with a documented code (:data:`DOCUMENTED_EXIT_CODES`), prints no
  traceback, and when it refuses (non-zero code) the project is exactly as before.

Each importer property runs ``QUALCODE_FUZZ_EXAMPLES`` examples (default 30), the
command line two thirds as many (over 300 cases per run, about a minute), drawn the same
way every run unless ``QUALCODE_FUZZ_RANDOM=1``; ``tests/bench/bench_hostile.py`` explores
thousands of new ones.
Inputs are mutations of valid files (bit flips, insertions, deletions, truncation,
duplication; for zip formats the member inside is mutated and the archive rebuilt) or
plain random bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.cli.app import main
from qualcode.errors import QualcodeError
from qualcode.importers.base import parse_source
from qualcode.importers.codebook_yaml import load_codebook
from qualcode.importers.qdc import read_qdc
from qualcode.importers.qdpx import read_qdpx
from qualcode.importers.speaker_map import load_speaker_map
from tests.conftest import INTERVIEW, SPEAKERS
from tests.test_codebook_exchange import FOREIGN as FOREIGN_QDC
from tests.test_qdpx import FOREIGN_QDE, PLAIN, S_TXT, N

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("qualcode")
EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "30"))
# The suite draws the same examples every run, so a red run is this change's doing and can
# be repeated; QUALCODE_FUZZ_RANDOM=1 (tests/bench/bench_hostile.py) explores new ones.
EXPLORE = os.environ.get("QUALCODE_FUZZ_RANDOM") == "1"
# 0 done; 1 a QualcodeError; 2 a usage error; 3-10 one per error family (errors.py);
# 11 'qualcode check' found problems.
DOCUMENTED_EXIT_CODES = frozenset(range(0, 12))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not EXPLORE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

TXT = INTERVIEW.split("---\n", 2)[2].encode("utf-8")
VTT = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Rektor>Vi har en kvalitetsdialog i höst.\n\n"
       "2\n00:00:04.500 --> 00:00:07.000\n<v Intervjuare>Hur ofta?\n").encode()
SRT = ("1\n00:00:01,000 --> 00:00:04,000\nRektor: Vi har en kvalitetsdialog i höst.\n\n"
       "2\n00:00:04,500 --> 00:00:07,000\nIntervjuare: Hur ofta?\n").encode()
CODEBOOK = (REPO / "codebooks" / "template.yaml").read_bytes()


def _docx_members() -> dict[str, bytes]:
    import docx

    document = docx.Document()
    for line in TXT.decode("utf-8").split("\n\n"):
        document.add_paragraph(line)
    stream = io.BytesIO()
    document.save(stream)
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


QDPX_MEMBERS = {"project.qde": FOREIGN_QDE.encode("utf-8"), f"sources/{S_TXT}.txt": PLAIN.encode("utf-8"),
                "sources/policy.txt": b"Policy on steering.", f"sources/{N[1]}.txt": b"The letter came in March."}


def _zip(members: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return stream.getvalue()


@st.composite
def mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 6))):
        operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate", "byte"]))
        at = draw(st.integers(0, len(data))) if data else 0
        if operation == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "byte" and at < len(data):
            data[at] = draw(st.sampled_from([0, 0x07, 0x0A, 0x0D, 0x1B, 0x22, 0x26, 0x2A, 0x3A, 0x3C,
                                             0x3E, 0x5B, 0x7B, 0x7F, 0xC3, 0xFF]))
        elif operation == "insert":
            data[at:at] = draw(st.binary(max_size=16)) or draw(st.sampled_from(
                [b"---\n", b"&a ", b"*a", b"!!python/object ", b"<!ENTITY x 'y'>", b"-->", b"\xef\xbb\xbf"]))
        elif operation == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[at:]
        elif operation == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 256))] * draw(st.integers(1, 4))
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(mutations(seed), st.binary(max_size=512))


def zip_inputs(members: dict[str, bytes], target: str) -> st.SearchStrategy[bytes]:
    """The archive with ``target`` mutated (or a member dropped), or the archive's bytes mutated."""
    def rebuild(mutated: bytes, drop: str | None) -> bytes:
        changed = {**members, target: mutated}
        if drop is not None and drop != target:
            changed.pop(drop, None)
        return _zip(changed)

    inner = st.builds(rebuild, mutations(members[target]), st.none() | st.sampled_from(sorted(members)))
    return st.one_of(inner, mutations(_zip(members)))


def only_qualcode_errors(read: Callable[[], object]) -> None:
    try:
        read()
    except QualcodeError as exc:
        assert exc.message.strip()  # a refusal always says what is wrong
        str(exc)  # and can be printed


# ----------------------------------------------------------------- importers


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def as_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@FUZZ
@given(data=inputs(TXT))
def test_txt(data: bytes) -> None:
    only_qualcode_errors(lambda: parse_source(data, Path("fuzz.txt")))


@FUZZ
@given(data=inputs(INTERVIEW.encode("utf-8")))
def test_md(data: bytes) -> None:
    only_qualcode_errors(lambda: parse_source(data, Path("fuzz.md")))


@FUZZ
@given(data=inputs(VTT))
def test_vtt(data: bytes) -> None:
    only_qualcode_errors(lambda: parse_source(data, Path("fuzz.vtt")))


@FUZZ
@given(data=inputs(SRT))
def test_srt(data: bytes) -> None:
    only_qualcode_errors(lambda: parse_source(data, Path("fuzz.srt")))


DOCX_MEMBERS = _docx_members()


@FUZZ
@given(data=zip_inputs(DOCX_MEMBERS, "word/document.xml"))
def test_docx(data: bytes) -> None:
    only_qualcode_errors(lambda: parse_source(data, Path("fuzz.docx")))


@FUZZ
@given(data=zip_inputs(QDPX_MEMBERS, f"sources/{S_TXT}.txt"))
def test_qdpx(scratch: Path, data: bytes) -> None:
    path = as_file(scratch, "fuzz.qdpx", data)
    only_qualcode_errors(lambda: read_qdpx(path))


@FUZZ
@given(data=zip_inputs(QDPX_MEMBERS, "project.qde"))
def test_qde(scratch: Path, data: bytes) -> None:
    path = as_file(scratch, "fuzz-qde.qdpx", data)
    only_qualcode_errors(lambda: read_qdpx(path))


@FUZZ
@given(data=inputs(FOREIGN_QDC.encode("utf-8")))
def test_qdc(scratch: Path, data: bytes) -> None:
    path = as_file(scratch, "fuzz.qdc", data)
    only_qualcode_errors(lambda: read_qdc(path))


@FUZZ
@given(data=inputs(CODEBOOK))
def test_codebook_yaml(scratch: Path, data: bytes) -> None:
    path = as_file(scratch, "fuzz.yaml", data)
    only_qualcode_errors(lambda: load_codebook(path))


@FUZZ
@given(data=inputs(SPEAKERS.encode("utf-8")))
def test_speaker_map(scratch: Path, data: bytes) -> None:
    path = as_file(scratch, "speakers.yaml", data)
    only_qualcode_errors(lambda: load_speaker_map(path))


# ----------------------------------------------------------------- the command line

# Commands left out: they open the workbench, build the demo, or load embedding models
# and topic pipelines (seconds each); their argument parsing is the same Typer code.
SLOW_OR_INTERACTIVE = ("open", "demo", "embed", "similar", "suggest", "topics fit", "export figure",
                       "agreement export")


def _commands() -> list[tuple[tuple[str, ...], list[str]]]:
    import typer.main

    from qualcode.cli.app import app

    found = []
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = command.commands.items() if hasattr(command, "commands") else [(None, command)]
        for sub, leaf in subcommands:
            path = (name,) if sub is None else (name, sub)
            if any(" ".join(path).startswith(slow) for slow in SLOW_OR_INTERACTIVE):
                continue
            found.append((path, [o for p in leaf.params for o in p.opts if o.startswith("-")]))
    return found


COMMANDS = _commands()
VALUES = ["0", "1", "-1", "2", "abc", "", " ", "skola2_rektorer", "skola", "dialogue", "followup",
          "steering", "anna", "9999999999999999999999", "1e9", "nan", "a=b", "=", "school=skola 2",
          "--", "-", "ä\u0301", "\x00", "\u202e", "../../etc/passwd", "x" * 300, "out.csv", "out.qdpx",
          "speakers.yaml", "kvalitetsdialog", "\"unclosed", "*", "OR", "NEAR(", "10:20"]


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    path, options = draw(st.sampled_from(COMMANDS))
    argv = list(path)
    for _ in range(draw(st.integers(0, 5))):
        if options and draw(st.booleans()):
            argv.append(draw(st.sampled_from(options + ["--bogus", "-x", "--help"])))
        argv.append(draw(st.sampled_from(VALUES) | st.text(max_size=12)))
    return argv


def fingerprint(project: Path) -> str:
    """The project's content, whatever its file's bytes (a checkpoint may rewrite pages),
    leaving out the caches a reading command fills (the word index): ``kwic 0`` builds it
    and then refuses a word that does not occur."""
    from qualcode.storage.schema import DERIVED_TABLES

    derived = tuple(f'INSERT INTO "{t}" ' for t in DERIVED_TABLES)
    counters = tuple(f"INSERT INTO \"sqlite_sequence\" VALUES('{t}'," for t in DERIVED_TABLES)
    connection = sqlite3.connect(project)
    try:
        kept = (line for line in connection.iterdump() if not line.startswith(derived + counters))
        return hashlib.sha256("\n".join(kept).encode("utf-8")).hexdigest()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def fuzz_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small coded project to run commands against (copied before each command)."""
    from qualcode.services import codebook, coding, corpus
    from qualcode.services.project import create_project
    from tests.conftest import SMALL_BOOK

    folder = tmp_path_factory.mktemp("fuzz-project")
    (folder / "skola2_rektorer.md").write_text(INTERVIEW, encoding="utf-8")
    (folder / "speakers.yaml").write_text(SPEAKERS, encoding="utf-8")
    store = create_project(folder / "base.qualcode")
    corpus.import_paths(store, [folder / "skola2_rektorer.md"], speaker_map=folder / "speakers.yaml")
    codebook.load_spec(store, SMALL_BOOK)
    applied = coding.apply_code(store, "skola2_rektorer", "dialogue", "anna", coding.Span(10, 40))
    coding.add_memo(store, "coding", applied.id, "Ett memo.", "anna")
    store.close()
    return folder


# A command opens the project: the most expensive case, so it gets two thirds of the examples.
@settings(FUZZ, max_examples=max(1, EXAMPLES * 2 // 3))
@given(argv=argument_lists())
def test_random_argument_lists(fuzz_project: Path, argv: list[str], capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    work = fuzz_project / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    project = work / "study.qualcode"
    shutil.copy(fuzz_project / "base.qualcode", project)
    shutil.copy(fuzz_project / "speakers.yaml", work / "speakers.yaml")
    before = fingerprint(project)
    monkeypatch.chdir(work)
    monkeypatch.setenv("QUALCODE_DB", str(project))
    monkeypatch.setenv("QUALCODE_CODER", "fuzz")
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code in DOCUMENTED_EXIT_CODES, (argv, code, captured.err)
    assert "Traceback" not in captured.err, (argv, captured.err)
    if code != 0:
        assert fingerprint(project) == before, f"{argv} refused with {code} but changed the project"


@pytest.mark.skipif(not SCRIPT.exists(), reason="the qualcode console script is not installed next to python")
def test_random_argument_lists_through_the_real_script(fuzz_project: Path, tmp_path: Path) -> None:
    """A sample of the same kind of lists, through the installed script (a traceback there
    would be printed, not raised)."""
    generator = random.Random(int(os.environ.get("QUALCODE_FUZZ_SEED", "15")))
    project = tmp_path / "study.qualcode"
    shutil.copy(fuzz_project / "base.qualcode", project)
    environment = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_DB": str(project), "QUALCODE_CODER": "fuzz"}
    for _ in range(int(os.environ.get("QUALCODE_FUZZ_SCRIPT_RUNS", "4"))):
        path, options = generator.choice(COMMANDS)
        argv = list(path)
        for _ in range(generator.randint(0, 4)):
            if options and generator.random() < 0.5:
                argv.append(generator.choice([*options, "--bogus"]))
            argv.append(generator.choice(VALUES).replace("\x00", ""))
        before = fingerprint(project)
        done = subprocess.run([str(SCRIPT), *argv], cwd=tmp_path, env=environment, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode in DOCUMENTED_EXIT_CODES, (argv, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
        if done.returncode != 0:
            assert fingerprint(project) == before, argv
