"""Files in the shapes real tools write: every coding on the text its tool coded, nothing dropped unreported.

The fixtures in ``fixtures/exchange`` are small files of our own, each reproducing the
shape of a public export examined by hand (NVivo for Windows and Mac, ATLAS.ti, a
bare MAXQDA ``.qde``, qc, QualCoder, a Taguette codebook, Teams, Zoom and YouTube
WebVTT, SubRip with markup, UTF-32). For every coding the test reads the quoted text
independently: from the source file's own bytes, at the selection's positions, under
the counting the tool uses, and compares it with the text at qualcode's offsets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import ExchangeError
from qualcode.importers import srt, vtt
from qualcode.importers.qdpx import read_qdpx
from qualcode.services import codebook_exchange, exchange
from qualcode.storage.store import Store

from .refi import refi_qda_dir

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"
REFI = refi_qda_dir()
PROJECT_XSD = REFI / "Project.xsd"
SAMPLES = sorted((REFI / "samples").glob("*.qdpx")) if (REFI / "samples").is_dir() else []
needs_refi = pytest.mark.skipif(not PROJECT_XSD.is_file(), reason=f"REFI-QDA schemas not found at {REFI}")

# fixture -> (how its tool counts positions, counting key the import must choose,
#             phrases the import report must hold for what it did not carry over)
PROJECTS = {
    "nvivo-windows": ("utf-16", "utf-16", []),
    "nvivo-mac": ("code-points", "code-points", ["'tom-1': its text is empty", "'tom-2': its text is empty"]),
    "atlas-ti": ("code-points", "code-points", [
        "'Intervju 2': its file", "missing from the archive", "2 selection(s), 2 coding(s)",
        "AudioSource 'Ljud intervju 1': an audio source with 1", "VideoSource 'Film lektion'",
        "PictureSource 'Foto tavla'", "Set 'Intervjuer': a set of 2", "Links: 1 link(s)",
        "Graphs: 1 graph(s)", "1 selection(s) carry a description"]),
    "maxqda-bare.qde": ("code-points", "code-points", [
        "TextSource 'Protokoll': its file", "missing from this bare .qde", "Set '2024': a set of 2"]),
    "qc": ("code-points", "code-points", []),
    "qualcoder": ("code-points-lf", "code-points-lf", []),
}


def project_file(name: str, folder: Path) -> Path:
    """A fixture as its tool hands it over: a folder zipped as .qdpx, or the bare file."""
    source = FIXTURES / name
    if source.is_file():
        return source
    path = folder / f"{name}.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(source.rglob("*")):
            if member.is_file():
                archive.write(member, member.relative_to(source).as_posix())
    return path


def quote(raw: str, start: int, end: int, counting: str) -> str:
    """The text at ``[start, end)`` as the tool counts, with line ends as qualcode stores them."""
    text = raw.replace("\r\n", "\n") if counting.endswith("-lf") else raw
    unit = counting.removesuffix("-lf")
    if unit == "utf-16":
        piece = text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")
    elif unit == "utf-8":
        piece = text.encode("utf-8")[start:end].decode("utf-8")
    else:
        piece = text[start:end]
    return piece.replace("\r\n", "\n").replace("\r", "\n")


def selections_of(path: Path) -> tuple[dict[str, tuple[str, int, int, int]], int]:
    """Each text selection's (raw text, start, end, codings) read straight from the file,
    and how many codings the file holds in all (text, audio, video, picture)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            files = {name.lower(): archive.read(name) for name in archive.namelist()}
    else:
        files = {"project.qde": path.read_bytes()}
    root = ET.fromstring(files["project.qde"])
    ns = "{urn:QDA-XML:project:1.0}"
    found: dict[str, tuple[str, int, int, int]] = {}
    for source in root.iter(f"{ns}TextSource"):
        inline = source.find(f"{ns}PlainTextContent")
        reference = (source.get("plainTextPath") or "").split("://")[-1].lower()
        data = files.get(f"sources/{reference}")
        if inline is not None:
            raw = inline.text or ""
        elif data is not None:
            raw = data.decode("utf-8-sig")
        else:
            continue
        for selection in source.iter(f"{ns}PlainTextSelection"):
            found[selection.get("guid", "").lower()] = (
                raw, int(selection.get("startPosition", "0")), int(selection.get("endPosition", "0")),
                len(selection.findall(f"{ns}Coding")))
    return found, sum(1 for _ in root.iter(f"{ns}Coding"))


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_coding_quotes_what_its_tool_coded(name: str, tmp_path: Path) -> None:
    counting, chosen, expected = PROJECTS[name]
    path = project_file(name, tmp_path)
    project, notices = read_qdpx(path)
    selections, total = selections_of(path)
    texts = {d.name: d.text for d in project.documents}
    assert project.codings
    for coding in project.codings:
        raw, start, end, _ = selections[coding.selection_guid.lower()]  # type: ignore[union-attr]
        assert texts[coding.document][coding.start:coding.end] == quote(raw, start, end, counting)
    assert project.counting.startswith("positions read as")
    from qualcode.importers.counting import BY_KEY
    assert f"read as {BY_KEY[chosen].describe(True)}" in project.counting or \
        f"read as {BY_KEY[chosen].describe(False)}" in project.counting
    report = "\n".join(str(n) for n in notices)
    for phrase in expected:
        assert phrase in report, (phrase, report)
    # Every coding of the file is either imported or accounted for in the report.
    listed = sum(int(part.split(" coding(s)")[0].rsplit(" ", 1)[-1]) for part in report.split("\n")
                 if " coding(s)" in part)
    clips = sum(int(n.what.split(" with ")[1].split(" ")[0]) for n in notices
                if "coded area(s) or clip(s)" in n.what)
    assert len(project.codings) + listed + clips == total, report


def test_nvivo_windows_counts_utf16_units_and_crlf_as_two(tmp_path: Path) -> None:
    project, _ = read_qdpx(project_file("nvivo-windows", tmp_path))
    [document] = project.documents
    first = project.codings[0]
    assert (first.start, first.end) != (11, 16) and document.text[first.start:first.end] == "Hallå"
    assert "UTF-16 code units, a line break (\\r\\n) as two" in project.counting
    assert "counts a line break" not in project.counting


def test_selection_names_that_hold_the_text_are_evidence(tmp_path: Path) -> None:
    project, _ = read_qdpx(project_file("qualcoder", tmp_path))
    assert "a line break (\\r\\n) as one" in project.counting
    assert "3 have the text read as their name" in project.counting and project.counting.endswith("high")


def test_no_counting_that_fits_is_refused(tmp_path: Path) -> None:
    qde = (FIXTURES / "nvivo-windows" / "project.qde").read_text(encoding="utf-8")
    for shift in ("startPosition=\"", "endPosition=\""):
        qde = qde.replace(shift, shift + "9")  # every position far beyond the text
    folder = tmp_path / "broken"
    (folder / "Sources").mkdir(parents=True)
    (folder / "project.qde").write_text(qde, encoding="utf-8")
    for text in (FIXTURES / "nvivo-windows" / "Sources").iterdir():
        (folder / "Sources" / text.name).write_bytes(text.read_bytes())
    path = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        for member in folder.rglob("*"):
            if member.is_file():
                archive.write(member, member.relative_to(folder).as_posix())
    with pytest.raises(ExchangeError, match="no way of counting positions fits"):
        read_qdpx(path)


def test_qc_sources_keep_their_codings_and_get_file_names(tmp_path: Path) -> None:
    project, notices = read_qdpx(project_file("qc", tmp_path))
    assert sorted(d.name for d in project.documents) == ["admin-1", "board_2017"]
    assert len(project.codings) == 2
    assert not [n for n in notices if n.skipped]


def test_whitespace_only_texts_are_imported_with_a_warning(tmp_path: Path) -> None:
    project, notices = read_qdpx(project_file("nvivo-mac", tmp_path))
    empty = [d for d in project.documents if not d.text.strip()]
    assert len(empty) == 2
    warned = [n for n in notices if "only white space" in n.what]
    assert len(warned) == 2 and not any(n.skipped for n in warned)


# ------------------------------------------------------------------ round trip


def _view(store: Store) -> dict:
    snapshot = exchange.project_snapshot(store)
    texts = {d.name: d.text for d in snapshot.documents}
    labels = {(b.slug, c.key): c.label_en for b in snapshot.codebooks for c in b.codes}
    return {
        "documents": sorted((d.name, d.text, d.guid) for d in snapshot.documents),
        "codes": sorted((c.label_en, c.definition, c.colour, snapshot.code_guids.get((b.slug, c.key)))
                        for b in snapshot.codebooks for c in b.codes),
        "codings": sorted((c.document, labels[(c.codebook, c.code)], c.coder, texts[c.document][c.start:c.end],
                           c.guid, c.selection_guid) for c in snapshot.codings),
        "users": sorted((name, snapshot.coder_guids.get(name)) for name in snapshot.coders),
        "memos": sorted((m.target_kind, m.text) for m in snapshot.memos),
    }


def _validate(path: Path) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(PROJECT_XSD)))
    with zipfile.ZipFile(path) as archive:
        document = etree.fromstring(archive.read("project.qde"))
    assert schema.validate(document), schema.error_log


@needs_refi
@pytest.mark.parametrize("name", sorted(PROJECTS) + [f"sample:{p.name}" for p in SAMPLES])
def test_round_trip_keeps_everything_and_every_guid(name: str, tmp_path: Path, store: Store) -> None:
    source = next(p for p in SAMPLES if p.name == name[7:]) if name.startswith("sample:") \
        else project_file(name, tmp_path)
    original, _ = read_qdpx(source)
    exchange.import_qdpx(store, source)  # SQLite and PostgreSQL
    before = _view(store)
    exported = tmp_path / "out.qdpx"
    exchange.export_qdpx(store, exported)
    _validate(exported)
    again, _ = read_qdpx(exported)
    second, _ = exchange.import_qdpx_as_new(exported, tmp_path / "second.qualcode")
    try:
        assert _view(second) == before
    finally:
        second.close()
    # The GUIDs of the tool's own objects came through: codes, sources, users, selections.
    assert set(original.code_guids.values()) <= set(again.code_guids.values())
    assert {d.guid for d in original.documents} <= {d.guid for d in again.documents}
    assert set(original.coder_guids.items()) <= set(again.coder_guids.items())
    assert {c.selection_guid for c in original.codings} <= {c.selection_guid for c in again.codings}
    # Descriptions go out as they came in: no lines added.
    with zipfile.ZipFile(exported) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert "Key:" not in qde
    before_defs = {c.label_en: c.definition for b in original.codebooks for c in b.codes}
    assert {c.label_en: c.definition for b in again.codebooks for c in b.codes} == before_defs


# ------------------------------------------------------------------ codebooks


def test_taguette_codebook_imports(store: Store) -> None:
    report = codebook_exchange.import_qdc(store, FIXTURES / "taguette.qdc")
    assert sorted(report.added) == ["interesting", "people-principal", "people-teachers"]


def test_codebook_of_a_project_file(store: Store, tmp_path: Path) -> None:
    report = codebook_exchange.import_qdc(store, project_file("atlas-ti", tmp_path), slug="granskning")
    assert report.codebook.slug == "granskning" and len(report.added) == 2
    bare = codebook_exchange.import_qdc(store, FIXTURES / "maxqda-bare.qde")
    assert bare.created and len(bare.added) == 2


# ------------------------------------------------------------------ subtitles


def _read(name: str):  # type: ignore[no-untyped-def]
    path = FIXTURES / name
    reader = vtt if path.suffix == ".vtt" else srt
    return reader.read(path.read_bytes(), path)


def test_teams_timestamps_and_voices() -> None:
    document = _read("teams.vtt")
    assert [(t.speaker, t.start_time, t.end_time) for t in document.turns] == [
        ("Anna Berg", 0.0, 5.9), ("Bo Ek", 6.12, 62.45)]
    bo = document.turns[1]
    assert document.text[bo.start:bo.end] == "Tack. Resultaten kom i fredags: de är bättre än i fjol."


def test_zoom_prefixes_that_recur_are_speakers() -> None:
    document = _read("zoom.vtt")
    assert [t.speaker for t in document.turns] == ["Anna Berg", "Bo Ek", "Anna Berg"]


def test_markup_is_stripped_and_every_other_character_kept() -> None:
    document = _read("markup.srt")
    assert "If 2 < 3 then we win" in document.text
    assert "Grönt ljus för alla" in document.text
    assert "5 > 4, and a<b stays" in document.text
    assert not any(t.speaker for t in document.turns)  # Digo:, J'ai dit:, Règle numéro un: are prose
    assert 'Digo: "no es así".' in document.text and "Règle numéro un: pas touche." in document.text


@pytest.mark.parametrize("name", ["utf32le.srt", "utf32be.srt"])
def test_utf32_with_a_byte_order_mark(name: str) -> None:
    document = _read(name)
    assert document.encoding == "utf-32"
    assert document.text == "Åtta lärare svarade. Inga fler.\n"


def test_a_timing_line_inside_a_cue_starts_a_new_cue() -> None:
    document = _read("youtube.vtt")
    assert document.text == "så så vi började i augusti\n"
    [turn] = document.turns
    assert (turn.start_time, turn.end_time) == (1.0, 5.0)


# ------------------------------------------------------------------ the command


QUALCODE = str(Path(sys.executable).with_name("qualcode"))


def test_dry_run_prints_the_report_and_writes_nothing(tmp_path: Path) -> None:
    path = project_file("atlas-ti", tmp_path)
    environment = {**os.environ, "COLUMNS": "300"}
    run = subprocess.run([QUALCODE, "import-project", "--dry-run", str(path), "--json"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120, env=environment)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["dry_run"] and data["codings"] == 3 and len(data["documents"]) == 1
    assert data["counting"].startswith("positions read as code points")
    skipped = [n for n in data["notices"] if n["skipped"]]
    assert any("Links" in n["where"] for n in skipped) and len(skipped) == 8
    run = subprocess.run([QUALCODE, "import-project", "--dry-run", str(path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120, env=environment)
    assert run.returncode == 0, run.stderr
    assert "(nothing was written): 1 documents, 3 codings, 2 codes" in run.stdout
    assert "Would not be imported: 8 item(s)." in run.stdout
    assert "Positions: positions read as code points" in run.stdout
    assert not list(tmp_path.glob("*.qualcode"))


def test_the_import_report_lists_the_speaker_labels_it_found(store: Store, tmp_path: Path) -> None:
    from qualcode.services import corpus

    report = corpus.import_paths(store, [FIXTURES / "zoom.vtt", FIXTURES / "markup.srt"], language="sv")
    assert not report.failed
    assert "zoom.vtt: speaker labels detected: Anna Berg, Bo Ek" in report.notices
    assert not [n for n in report.notices if n.startswith("markup.srt")]


def test_a_label_in_the_speaker_map_is_a_speaker_without_more_evidence(store: Store, tmp_path: Path) -> None:
    from qualcode.services import corpus

    text = tmp_path / "samtal.txt"
    text.write_text("Vi började i augusti.\nSedan kom hösten.\n\nSkolchef: Det stämmer.\n", encoding="utf-8")
    alone = corpus.import_paths(store, [text], language="sv")
    assert not [n for n in alone.notices if "speaker labels" in n]  # one label, mid-text: prose
    mapped = tmp_path / "map.yaml"
    mapped.write_text("speakers:\n  Skolchef: {role: skolchef, level: owner}\n", encoding="utf-8")
    again = tmp_path / "samtal2.txt"
    again.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = corpus.import_paths(store, [again], language="sv", speaker_map=mapped)
    assert not report.failed
    assert "samtal2.txt: speaker labels detected: Skolchef" in report.notices
