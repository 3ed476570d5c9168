"""Paths that are not ordinary readable files: refused with a message, never a hang or a crash."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from qualcode.errors import ExchangeError, SourceFileError
from qualcode.importers import reading
from qualcode.importers.base import read_source
from qualcode.importers.qdpx import read_qdpx
from qualcode.importers.reading import display_path, read_regular_file
from qualcode.importers.zip_safety import DEFAULT_LIMITS, open_archive
from qualcode.services import corpus
from qualcode.storage.store import Store
from tests.privileges import as_unprivileged, public_folder

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("qualcode")
TRANSCRIPT = "Intervjuare: Hur följer ni upp resultaten?\n\nRektor: Vi har en dialog varje höst.\n"
BAD_BYTE_NAME = os.fsdecode(b"intervju-\xff.txt")


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging for ever (reading a FIFO used to wait for a writer)."""
    def expired(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def names(store: Store) -> list[str]:
    return sorted(d.name for d in corpus.list_documents(store))


def test_a_fifo_is_refused_without_waiting(tmp_path: Path, store: Store) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "ok.txt").write_text(TRANSCRIPT, encoding="utf-8")
    with deadline(60):
        report = corpus.import_paths(store, [tmp_path / "pipe.txt", tmp_path])
    assert [p.reason for p in report.failed] == [
        f"{tmp_path / 'pipe.txt'}: is a named pipe (FIFO), not a regular file; refused. "
        "Name an ordinary file saved on disk."] * 2  # named, and found in the folder
    assert names(store) == ["ok"]


def test_a_link_to_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    with deadline(30), pytest.raises(SourceFileError, match="is a character device, not a regular file"):
        read_source(link)


def test_a_folder_named_like_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(SourceFileError, match="is a folder"):
        read_source(tmp_path / "folder.txt")


def test_the_size_limit_is_configurable_and_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long.txt"
    path.write_text(TRANSCRIPT * 200, encoding="utf-8")  # about 16 kB
    monkeypatch.setenv(reading.MAX_SIZE_VARIABLE, "0.01")
    with pytest.raises(SourceFileError) as caught:
        read_source(path)
    size = path.stat().st_size
    assert caught.value.message == f"{path}: the file is {size:,} bytes, more than the limit of 10,000 bytes."
    assert reading.MAX_SIZE_VARIABLE in (caught.value.hint or "")
    monkeypatch.setenv(reading.MAX_SIZE_VARIABLE, "1")
    assert read_source(path).text == TRANSCRIPT * 200
    monkeypatch.setenv(reading.MAX_SIZE_VARIABLE, "lots")
    with pytest.raises(SourceFileError, match="is not a size in megabytes"):
        read_source(path)
    monkeypatch.delenv(reading.MAX_SIZE_VARIABLE)
    assert reading.max_file_bytes() == reading.DEFAULT_MAX_MB * 1_000_000


def test_the_limit_holds_when_the_size_is_not_known_in_advance(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 5000)
    assert read_regular_file(path, limit=5000) == b"x" * 5000
    with pytest.raises(SourceFileError, match="more than the limit"):
        read_regular_file(path, limit=4999)


def test_an_undecodable_name_is_stored_and_shown_with_replacement_characters(tmp_path: Path, store: Store) -> None:
    path = tmp_path / BAD_BYTE_NAME
    path.write_text(TRANSCRIPT, encoding="utf-8")
    report = corpus.import_paths(store, [tmp_path])
    assert not report.failed
    assert names(store) == ["intervju-\ufffd"]
    assert display_path(path).endswith("intervju-\ufffd.txt")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the qualcode console script is not installed next to python")
def test_the_real_script_reports_bad_names_and_files_and_goes_on(tmp_path: Path) -> None:
    source = tmp_path / "källor"
    (source / "sub").mkdir(parents=True)
    (source / BAD_BYTE_NAME).write_text(TRANSCRIPT, encoding="utf-8")
    (source / "sub" / "datum.md").write_text("---\ndate: 2025-13-45\n---\n" + TRANSCRIPT, encoding="utf-8")
    (source / "sub" / "trasig.md").write_text("---\ntitle: [unclosed\n---\n" + TRANSCRIPT, encoding="utf-8")
    os.mkfifo(source / "pipe.txt")
    (source / "zz-sist.txt").write_text(TRANSCRIPT.replace("höst", "vår"), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    run = lambda *argv: subprocess.run([str(SCRIPT), *argv], cwd=tmp_path, env=environment,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    assert run("init", "p.qualcode").returncode == 0
    done = run("import", str(source), "--db", "p.qualcode")
    assert "Traceback" not in done.stderr, done.stderr
    output = done.stdout + done.stderr
    assert "intervju-\ufffd" in output
    assert "pipe.txt: is a named pipe" in output
    assert re.search(r"trasig\.md:\d: the front matter is not valid YAML", output)
    listed = run("docs", "--db", "p.qualcode", "--json")
    assert "Traceback" not in listed.stderr
    assert sorted(d["name"] for d in json.loads(listed.stdout)) == ["datum", "intervju-\ufffd", "zz-sist"]


def test_an_unreadable_file_and_sub_folder_are_reported() -> None:
    with public_folder() as folder:
        (folder / "ok.txt").write_text(TRANSCRIPT, encoding="utf-8")
        (folder / "locked.txt").write_text(TRANSCRIPT, encoding="utf-8")
        (folder / "locked.txt").chmod(0)
        (folder / "inner").mkdir()
        (folder / "inner" / "hidden.txt").write_text(TRANSCRIPT, encoding="utf-8")
        (folder / "inner").chmod(0)

        def expand() -> tuple[list[str], list[tuple[str, str]]]:
            files, problems = corpus.expand_paths([folder])
            refused = []
            for path in files:
                try:
                    read_source(path)
                except SourceFileError as exc:
                    refused.append((path.name, exc.message))
            return [f.name for f in files], [(p.path, p.reason) for p in problems] + refused

        found, problems = as_unprivileged(expand)
    assert found == ["locked.txt", "ok.txt"]
    assert (str(folder / "inner"), "cannot read this folder (Permission denied); its files were not imported") in problems
    assert ("locked.txt", f"{folder / 'locked.txt'}: permission denied; the file cannot be read.") in problems


def test_a_qdpx_text_past_the_file_limit_is_refused_by_default(tmp_path: Path) -> None:
    """A small archive inflating to more text than one transcript may hold stops at that limit."""
    path = tmp_path / "big.qdpx"
    line = b"Interviewer: How did it start?\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>')
        archive.writestr("sources/long.txt", line * (reading.DEFAULT_MAX_MB * 1_000_000 // len(line) + 1))
    assert path.stat().st_size < 2_000_000
    limit = f"more than {reading.DEFAULT_MAX_MB * 1_000_000:,} bytes"
    with pytest.raises(ExchangeError, match=limit), deadline(120), open_archive(path, DEFAULT_LIMITS) as archive:
        archive.read("sources/long.txt")
    read_qdpx(path)  # the project file names no source: the big member is never read


@pytest.mark.parametrize("suffix", [".qdc", ".qde"])
def test_an_xml_declaration_with_an_unknown_encoding_is_refused_with_the_reason(tmp_path: Path, suffix: str) -> None:
    """Found by the fuzz test: 'encoding="ttf-8"' made the XML parser raise LookupError."""
    from qualcode.importers.qdc import read_qdc

    path = tmp_path / f"bad{suffix}"
    root = "CodeBook" if suffix == ".qdc" else "Project"
    path.write_bytes(f'<?xml version="1.0" encoding="ttf-8"?><{root} xmlns="urn:QDA-XML:project:1.0"/>'.encode())
    with pytest.raises(ExchangeError) as refused:
        read_qdc(path) if suffix == ".qdc" else read_qdpx(path)
    assert "encoding that does not exist" in refused.value.message and "ttf-8" in refused.value.message
    from qualcode.services.project import create_project

    create_project(tmp_path / "p.qualcode").close()
    done = subprocess.run([sys.executable, "-m", "qualcode", "codebook", "import-qdc", str(path), "--db",
                           str(tmp_path / "p.qualcode")], capture_output=True, text=True)
    assert "Traceback" not in done.stderr and done.returncode != 0
    assert "encoding that does not exist" in done.stdout + done.stderr
