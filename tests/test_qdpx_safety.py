"""A .qdpx file is untrusted input: unsafe archives and XML are refused, and a failed
import leaves the target project exactly as it was."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import ExchangeError
from qualcode.importers.qdpx import read_qdpx
from qualcode.importers.zip_safety import ZipLimits, open_archive, unsafe_reason
from qualcode.services import exchange
from qualcode.storage.store import Store
from tests.test_qdpx import FOREIGN_QDE, PLAIN, S_TXT, N, make_qdpx

GOOD_FILES = {f"sources/{S_TXT}.txt": PLAIN.encode(), "sources/policy.txt": b"Policy on steering.",
              f"sources/{N[1]}.txt": b"The letter came in March."}
MINIMAL = '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'


def _counts(store: Store) -> tuple[int, int, int, int]:
    project = exchange.project_snapshot(store)
    return (len(project.documents), len(project.codings), len(project.memos),
            sum(len(b.codes) for b in project.codebooks))


@pytest.mark.parametrize("name", ["../evil.txt", "sources/../../evil.txt", "/etc/passwd",
                                  "C:/Windows/evil.txt", "..\\evil.txt"])
def test_unsafe_member_names_are_refused(tmp_path: Path, name: str) -> None:
    assert unsafe_reason(name)
    path = make_qdpx(tmp_path / "x.qdpx", MINIMAL, {name: b"x"})
    with pytest.raises(ExchangeError, match="refused"):
        read_qdpx(path)


def test_symlink_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", MINIMAL)
        info = zipfile.ZipInfo("sources/a.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(ExchangeError, match="symbolic link"):
        read_qdpx(path)


def test_zip_bomb_stops_at_the_size_limit(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "bomb.qdpx", MINIMAL, {"sources/zeros.txt": b"\0" * 5_000_000})
    assert path.stat().st_size < 50_000  # small on disk, large inflated
    limits = ZipLimits(max_total_bytes=1_000_000, max_member_bytes=1_000_000)
    with pytest.raises(ExchangeError, match="more than the limit|zip bomb"):
        read_qdpx(path, limits=limits)
    # Headers that lie about the size are caught while inflating.
    limits = ZipLimits(max_total_bytes=10**9, max_member_bytes=1_000_000)
    with open_archive(path, limits) as archive, pytest.raises(ExchangeError, match="zip bomb"):
        archive.read("sources/zeros.txt")


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "many.qdpx", MINIMAL, {f"sources/{i}.txt": b"x" for i in range(20)})
    with pytest.raises(ExchangeError, match="members"):
        read_qdpx(path, limits=ZipLimits(max_members=10))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&d;"/>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>"""
DTD_ONLY = """<?xml version="1.0"?>
<!DOCTYPE Project SYSTEM "http://example.invalid/project.dtd">
<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>"""


@pytest.mark.parametrize("qde", [BILLION_LAUGHS, EXTERNAL, DTD_ONLY], ids=["entities", "external", "dtd"])
def test_unsafe_xml_is_refused(tmp_path: Path, qde: str) -> None:
    with pytest.raises(ExchangeError, match="unsafe XML"):
        read_qdpx(make_qdpx(tmp_path / "x.qdpx", qde))


def test_corrupt_and_partial_files_give_clear_errors(tmp_path: Path) -> None:
    good = make_qdpx(tmp_path / "good.qdpx", FOREIGN_QDE, GOOD_FILES)
    truncated = tmp_path / "truncated.qdpx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ExchangeError, match="not a readable zip|damaged"):
        read_qdpx(truncated)
    cut_xml = make_qdpx(tmp_path / "cut.qdpx", FOREIGN_QDE[: len(FOREIGN_QDE) // 2], GOOD_FILES)
    with pytest.raises(ExchangeError, match=r"project.qde:\d+: not well-formed XML"):
        read_qdpx(cut_xml)
    missing = make_qdpx(tmp_path / "missing.qdpx", FOREIGN_QDE, {})
    project, notices = read_qdpx(missing)  # what is there is imported; the rest is listed
    assert [d.name for d in project.documents] == ["Field note"] and project.codebooks  # inline text
    assert sum("missing from the archive" in str(n) for n in notices) == len(GOOD_FILES)
    empty = make_qdpx(tmp_path / "noqde.qdpx", MINIMAL, qde_name="notes/readme.txt")
    with pytest.raises(ExchangeError, match="no project.qde"):
        read_qdpx(empty)
    with pytest.raises(ExchangeError, match="no such file"):
        read_qdpx(tmp_path / "absent.qdpx")


def test_a_failed_import_leaves_the_project_unchanged(coded_store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = _counts(coded_store)
    broken = make_qdpx(tmp_path / "broken.qdpx", FOREIGN_QDE[: len(FOREIGN_QDE) // 2], GOOD_FILES)
    with pytest.raises(ExchangeError):
        exchange.import_qdpx(coded_store, broken)
    assert _counts(coded_store) == before
    # A failure after documents and codes were written rolls all of them back.
    good = make_qdpx(tmp_path / "good.qdpx", FOREIGN_QDE, GOOD_FILES)

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ExchangeError("simulated failure while writing memos")

    monkeypatch.setattr(exchange, "_write_memos", fail)
    with pytest.raises(ExchangeError, match="simulated"):
        exchange.import_qdpx(coded_store, good)
    assert _counts(coded_store) == before


def test_a_failed_import_as_new_project_leaves_no_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    good = make_qdpx(tmp_path / "good.qdpx", FOREIGN_QDE, GOOD_FILES)

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ExchangeError("simulated failure while writing memos")

    monkeypatch.setattr(exchange, "_write_memos", fail)
    with pytest.raises(ExchangeError):
        exchange.import_qdpx_as_new(good, tmp_path / "new.qualcode")
    assert not (tmp_path / "new.qualcode").exists()
    with pytest.raises(ExchangeError):
        exchange.import_qdpx_as_new(tmp_path / "absent.qdpx", tmp_path / "new2.qualcode")
    assert not (tmp_path / "new2.qualcode").exists()
