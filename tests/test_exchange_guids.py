"""Kept GUIDs in the store (SQLite and PostgreSQL), and the position countings against an oracle."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.importers import counting
from qualcode.importers.qdpx import read_qdpx
from qualcode.services import exchange
from qualcode.storage.store import Store

from .test_exchange_corpus import REFI, _validate, needs_refi, project_file, quote

CODEBOOK_XSD = REFI / "Codebook.xsd"


def test_guids_are_kept_once_and_go_with_their_objects(store: Store, tmp_path: Path) -> None:
    path = project_file("nvivo-windows", tmp_path)
    original, _ = read_qdpx(path)
    exchange.import_qdpx(store, path)
    exchange.import_qdpx(store, path)  # same text again: codings are added to the same document
    with store.unit_of_work() as uow:
        kept = uow.exchange_guids.all()
        [document] = uow.documents.list()
    assert kept.documents == {document.id: original.documents[0].guid}
    assert sorted(kept.coders.values()) == sorted(original.coder_guids.values())
    assert len(kept.codings) == 2 * len(original.codings)
    assert {s for _, s in kept.codings.values()} == {c.selection_guid for c in original.codings}
    with store.unit_of_work() as uow:
        uow.documents.delete(document.id)
    with store.unit_of_work() as uow:
        after = uow.exchange_guids.all()
    assert not after.documents and not after.codings and after.codes


@needs_refi
def test_an_export_never_writes_one_guid_twice(store: Store, tmp_path: Path) -> None:
    path = project_file("nvivo-windows", tmp_path)
    exchange.import_qdpx(store, path)
    exchange.import_qdpx(store, path)
    out = tmp_path / "twice.qdpx"
    exchange.export_qdpx(store, out)
    _validate(out)
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    guids = re.findall(r' guid="([^"]+)"', qde)
    assert len(guids) == len({g.lower() for g in guids})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.lists(st.sampled_from(["a", "b", " ", "å", "é", "\r\n", "\n", "\U0001F600", "\u20ac", "."]),
                    min_size=1, max_size=40).map("".join), data=st.data())
def test_every_counting_maps_back_to_the_same_text(raw: str, data: st.DataObject) -> None:
    stored = raw.replace("\r\n", "\n")
    crs = counting.crlf_positions(raw)
    # Choose a span on code points of the stored text, never inside a line break pair.
    start = data.draw(st.integers(0, len(stored) - 1))
    end = data.draw(st.integers(start + 1, len(stored)))
    for candidate in counting.CANDIDATES:
        # Units of the span under this counting, computed by encoding, not by the map.
        raw_start = start + sum(1 for k, i in enumerate(crs) if i - k < start)
        raw_end = end + sum(1 for k, i in enumerate(crs) if i - k < end)
        base = stored if candidate.crlf_as_one else raw
        s, e = (start, end) if candidate.crlf_as_one else (raw_start, raw_end)
        if candidate.unit == "UTF-16 code units":
            s, e = len(base[:s].encode("utf-16-le")) // 2, len(base[:e].encode("utf-16-le")) // 2
        elif candidate.unit == "UTF-8 bytes":
            s, e = len(base[:s].encode("utf-8")), len(base[:e].encode("utf-8"))
        mapping = counting.PositionMap(raw, candidate, crs)
        mapped = mapping.to_stored(s), mapping.to_stored(e)
        assert mapped == (start, end), (candidate, raw, start, end)
        assert stored[start:end] == quote(raw, s, e, candidate.key)


@pytest.mark.parametrize("unit,offset", [("UTF-16 code units", 1), ("UTF-8 bytes", 1), ("UTF-8 bytes", 2)])
def test_a_position_inside_a_character_fits_no_text(unit: str, offset: int) -> None:
    raw = "x\U0001F600y"
    mapping = counting.PositionMap(raw, counting.Counting("t", unit, False), [])
    assert mapping.to_stored(1 + offset) is None
    assert mapping.to_stored(0) == 0 and mapping.to_stored(mapping.length) == 3


def test_a_codebook_export_keeps_the_imported_code_guids(store: Store, tmp_path: Path) -> None:
    from qualcode.services import codebook_exchange

    path = project_file("atlas-ti", tmp_path)
    original, _ = read_qdpx(path)
    report = exchange.import_qdpx(store, path)
    out = codebook_exchange.export_codebook(store, report.codebooks[0], tmp_path / "book.qdc")
    written = set(re.findall(r' guid="([^"]+)"', out.read_text(encoding="utf-8")))
    assert written == set(original.code_guids.values())


def _code_descriptions(data: bytes) -> dict[str, str]:
    """Each code's description in a project or codebook document, by lower-case GUID."""
    from lxml import etree

    found = {}
    for element in etree.fromstring(data).iter():
        if etree.QName(element).localname != "Code":
            continue
        description = [c for c in element if etree.QName(c).localname == "Description"]
        text = description[0].text or "" if description else ""
        found[element.get("guid").strip("{}").lower()] = text.replace("\r\n", "\n").strip()
    return found


@pytest.mark.parametrize("name", ["atlas-ti", "nvivo-windows", "qualcoder", "maxqda-bare.qde"])
def test_a_codebook_export_gives_imported_codes_their_descriptions_as_they_came(
        store: Store, tmp_path: Path, name: str) -> None:
    from qualcode.services import codebook, codebook_exchange

    path = project_file(name, tmp_path)
    if path.suffix == ".qdpx":
        with zipfile.ZipFile(path) as archive:
            source = archive.read(next(n for n in archive.namelist() if n.endswith(".qde")))
    else:
        source = path.read_bytes()
    report = exchange.import_qdpx(store, path)
    slug = report.codebooks[0]
    out = codebook_exchange.export_codebook(store, slug, tmp_path / "book.qdc")
    written = out.read_bytes()
    original = _code_descriptions(source)
    assert any(original.values())  # the fixture has descriptions to keep
    assert _code_descriptions(written) == {g: original[g] for g in _code_descriptions(written)}
    assert not re.search(rb"^\s*(Key|Swedish label|Shortcut):", written, re.M)
    if CODEBOOK_XSD.is_file():
        from lxml import etree

        schema = etree.XMLSchema(etree.parse(str(CODEBOOK_XSD)))
        assert schema.validate(etree.fromstring(written)), schema.error_log
    # Read back as another codebook: the same keys, names, nesting and definitions.
    codebook_exchange.import_qdc(store, out, slug="again")
    first, again = codebook.spec_of(store, slug), codebook.spec_of(store, "again")
    assert again.codes == first.codes


def test_a_codebook_round_trip_keeps_keys_swedish_labels_and_shortcuts(store: Store, tmp_path: Path) -> None:
    from dataclasses import replace

    from qualcode.services import codebook, codebook_exchange

    report = exchange.import_qdpx(store, project_file("atlas-ti", tmp_path))
    spec = codebook.spec_of(store, report.codebooks[0])
    changed = replace(spec, codes=tuple(
        replace(c, key=f"own.{i}", label_sv=f"Svensk {c.label_en}", shortcut=str(i),
                parent=None, inclusion="Counts when the state is named.")
        for i, c in enumerate(spec.codes)))
    codebook.load_spec(store, replace(changed, slug="own"))
    out = codebook_exchange.export_codebook(store, "own", tmp_path / "own.qdc")
    text = out.read_text(encoding="utf-8")
    assert "Key:" not in text and "Svensk" not in text.split("?>", 2)[-1]
    assert "\nInclusion: Counts when the state is named." in text
    codebook_exchange.import_qdc(store, out, slug="own-again")
    assert codebook.spec_of(store, "own-again").codes == codebook.spec_of(store, "own").codes


@pytest.mark.parametrize("name", ["nvivo-windows", "qualcoder"])
def test_notes_keep_their_guids_on_export_and_go_with_their_memos(store: Store, tmp_path: Path, name: str) -> None:
    path = project_file(name, tmp_path)
    original, _ = read_qdpx(path)
    assert original.memos and all(m.guid for m in original.memos)
    exchange.import_qdpx(store, path)
    with store.unit_of_work() as uow:
        kept = uow.exchange_guids.all().memos
        memos = uow.memos.list()
    assert sorted(kept.values()) == sorted(m.guid for m in original.memos)
    out = tmp_path / "again.qdpx"
    exchange.export_qdpx(store, out)
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    notes = set(re.findall(r'<Note guid="([^"]+)"', qde))
    assert notes == {m.guid for m in original.memos}
    assert all(f'<NoteRef targetGUID="{g}"' in qde for g in notes)
    again, _ = read_qdpx(out)
    assert sorted((m.guid, m.target_kind, m.text) for m in again.memos) == sorted(
        (m.guid, m.target_kind, m.text) for m in original.memos)
    with store.unit_of_work() as uow:
        uow.memos.delete(memos[0].id)
    with store.unit_of_work() as uow:
        assert memos[0].id not in uow.exchange_guids.all().memos
        assert len(uow.exchange_guids.all().memos) == len(memos) - 1
