"""REFI-QDA project exchange: export validity, round trip, files written by other tools, CLI."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.cli.app import main
from qualcode.core.exchange import ExchangeProject
from qualcode.errors import ExchangeError
from qualcode.importers.qdpx import read_qdpx
from qualcode.services import exchange
from qualcode.storage.store import Store

from .refi import refi_qda_dir

REFI = refi_qda_dir()
PROJECT_XSD = REFI / "Project.xsd"
SAMPLES = sorted((REFI / "samples").glob("*.qdpx")) if (REFI / "samples").is_dir() else []
needs_refi = pytest.mark.skipif(
    not PROJECT_XSD.is_file(),
    reason=f"REFI-QDA schemas not found at {REFI} (the 'shared/refi-qda' folder beside the repository)")


def make_qdpx(path: Path, qde: str, files: dict[str, bytes] | None = None,
              qde_name: str = "project.qde") -> Path:
    """A .qdpx archive as another tool would write it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> tuple[Path, Path]:
    """The demo project and its export, made once for the module."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(demo_file, folder / "demo.qualcode")
    store = Store.open(folder / "demo.qualcode")
    try:
        exchange.export_qdpx(store, folder / "demo.qdpx")
    finally:
        store.close()
    return folder / "demo.qualcode", folder / "demo.qdpx"


def _snapshot(path_or_store: Path | Store) -> ExchangeProject:
    if isinstance(path_or_store, Store):
        return exchange.project_snapshot(path_or_store)
    store = Store.open(path_or_store)
    try:
        return exchange.project_snapshot(store)
    finally:
        store.close()


def _coding_key(c):  # type: ignore[no-untyped-def]
    return (c.document, c.codebook, c.code, c.coder, c.start, c.end)


def _memo_keys(project: ExchangeProject) -> Counter:
    def target(m):  # type: ignore[no-untyped-def]
        return _coding_key(project.codings[m.target]) if m.target_kind == "coding" else m.target

    return Counter((m.target_kind, target(m), m.text, m.coder) for m in project.memos)


# ------------------------------------------------------------------ export


@needs_refi
def test_export_validates_against_the_project_schema(demo: tuple[Path, Path]) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(PROJECT_XSD)))
    with zipfile.ZipFile(demo[1]) as archive:
        names = archive.namelist()
        qde = etree.fromstring(archive.read("project.qde"))
    assert schema.validate(qde), schema.error_log
    sources = qde.findall(".//{urn:QDA-XML:project:1.0}TextSource")
    transcripts = (Path(__file__).resolve().parents[1] / "corpora" / "sbs-demo").glob("*.md")
    assert len(sources) == len(list(transcripts))
    for source in sources:  # every plain text the XML names is in the archive
        assert source.get("plainTextPath").replace("internal://", "sources/") in names


def test_export_holds_every_part_of_the_project(demo: tuple[Path, Path]) -> None:
    original = _snapshot(demo[0])
    with zipfile.ZipFile(demo[1]) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        texts = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/")]
    assert qde.count("<PlainTextSelection ") == len(original.codings) > 1000
    assert qde.count("<Note ") == len(original.memos) > 0
    assert '<User guid="' in qde and 'name="anna"' in qde and 'name="bo"' in qde
    assert qde.count("<Set ") == 3 and "<Case " in qde and 'typeOfVariable="Text"' in qde
    assert sorted(texts) == sorted(d.text for d in original.documents)
    # A coding's positions pick out the same characters in the exported text file.
    first = original.codings[0]
    document = next(d for d in original.documents if d.name == first.document)
    assert f'startPosition="{first.start}" endPosition="{first.end}"' in qde
    assert document.text[first.start:first.end] in texts[texts.index(document.text)]


def test_export_is_deterministic(demo: tuple[Path, Path], tmp_path: Path) -> None:
    store = Store.open(demo[0])
    try:
        exchange.export_qdpx(store, tmp_path / "again.qdpx")
    finally:
        store.close()
    assert (tmp_path / "again.qdpx").read_bytes() == demo[1].read_bytes()


def test_export_refuses_to_overwrite_and_wrong_suffix(demo: tuple[Path, Path], tmp_path: Path) -> None:
    store = Store.open(demo[0])
    try:
        existing = tmp_path / "x.qdpx"
        existing.write_bytes(b"keep")
        with pytest.raises(Exception, match="already exists"):
            exchange.export_qdpx(store, existing)
        assert existing.read_bytes() == b"keep"
        with pytest.raises(ExchangeError, match=r"\.qdpx"):
            exchange.export_qdpx(store, tmp_path / "x.zip")
    finally:
        store.close()


# ------------------------------------------------------------------ round trip


def test_round_trip_gives_the_same_project(demo: tuple[Path, Path], store: Store) -> None:
    original = _snapshot(demo[0])
    report = exchange.import_qdpx(store, demo[1])
    assert not report.skipped, report.skipped
    back = _snapshot(store)
    assert back.codebooks == original.codebooks
    assert [(d.name, d.text, d.format, d.language, d.attributes, d.turns, d.speakers)
            for d in back.documents] == [
        (d.name, d.text, d.format, d.language, d.attributes, d.turns, d.speakers)
        for d in original.documents]
    assert Counter(map(_coding_key, back.codings)) == Counter(map(_coding_key, original.codings))
    assert _memo_keys(back) == _memo_keys(original)
    assert set(back.coders) == set(original.coders) == {"anna", "bo", "cecilia", "consensus"}


def test_an_archive_is_segmented_a_little_ahead_of_the_writer(demo: tuple[Path, Path], store: Store,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory holds a few documents' units, not the whole archive's: with a tiny look-ahead,
    each document is handed to segmentation at most one document before it is written,
    and the project still round-trips."""
    from qualcode.services.segmentation import Segmentation
    from qualcode.storage.repositories.documents import DocumentRepository

    submitted: list[str] = []
    written: list[tuple[str, int]] = []
    submit, add = Segmentation.submit, DocumentRepository.add

    def spy_submit(self, document, language):  # type: ignore[no-untyped-def]
        submitted.append(document.name)
        return submit(self, document, language)

    def spy_add(self, parsed, **kwargs):  # type: ignore[no-untyped-def]
        written.append((parsed.name, len(submitted)))
        return add(self, parsed, **kwargs)

    monkeypatch.setattr(exchange, "AHEAD_CHARS", 1)
    monkeypatch.setattr(Segmentation, "submit", spy_submit)
    monkeypatch.setattr(DocumentRepository, "add", spy_add)
    exchange.import_qdpx(store, demo[1])
    assert len(written) == len(_snapshot(demo[0]).documents) > 3
    assert [n for n, _ in written] == submitted
    assert all(seen <= position + 1 for position, (_, seen) in enumerate(written))
    assert Counter(map(_coding_key, _snapshot(store).codings)) == Counter(map(_coding_key, _snapshot(demo[0]).codings))


def test_import_into_the_same_project_twice_adds_to_existing_documents(
        demo: tuple[Path, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.qualcode"
    shutil.copy(demo[0], copy)
    store = Store.open(copy)
    try:
        before = _snapshot(store)
        report = exchange.import_qdpx(store, demo[1])
        after = _snapshot(store)
    finally:
        store.close()
    assert len(report.reused_documents) == len(before.documents) and not report.documents
    assert [d.name for d in after.documents] == [d.name for d in before.documents]
    assert len(after.codings) == 2 * len(before.codings)


# ------------------------------------------------------------------ other tools' files

U1, U2 = "{8A1F0D2E-1111-4C3B-9A6E-0A1B2C3D4E5F}", "1d0c4b2a-2222-4f00-8e00-00000000aaaa"
C_ROOT, C_CHILD, C_OTHER = ("0f3e6b10-0000-4000-8000-000000000001", "0f3e6b10-0000-4000-8000-000000000002",
                            "0f3e6b10-0000-4000-8000-000000000003")
S_TXT, S_INLINE, S_AUDIO, S_PDF, S_PIC = (f"5a000000-0000-4000-8000-00000000000{i}" for i in range(1, 6))
V_AGE, V_ROLE = "7b000000-0000-4000-8000-000000000001", "7b000000-0000-4000-8000-000000000002"
N = [f"9c000000-0000-4000-8000-00000000000{i}" for i in range(1, 6)]

# Line ends are \r\n in the file, as Windows tools write them.
PLAIN = "Interviewer: How did it start?\r\nTeacher: We got a letter.\r\nInterviewer: And then?\r\n"
STORED = PLAIN.replace("\r\n", "\n")


def _g(guid: str) -> str:
    return guid.strip("{}").lower()


def _sel(text: str, start_in_stored: int, length: int) -> tuple[int, int]:
    """Positions as the standard counts them in the file (\\r\\n is two code points)."""
    raw_start = start_in_stored + text[:start_in_stored].count("\n")
    raw_end = raw_start + length + text[start_in_stored:start_in_stored + length].count("\n")
    return raw_start, raw_end


LETTER = STORED.index("We got a letter.")
A, B = _sel(STORED, LETTER, len("We got a letter."))
WHOLE_TEACHER = STORED.index("Teacher:")
TA, TB = _sel(STORED, WHOLE_TEACHER, len(STORED[WHOLE_TEACHER:STORED.index("Interviewer: And")]))

FOREIGN_QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Trial" origin="Some QDA Tool 3.1"
         creatingUserGUID="{U1}" creationDateTime="2024-05-02T10:00:00Z">
  <Users>
    <User guid="{U1}" name="Maria"/>
    <User guid="{U2}" name="Jonas"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{{{C_ROOT.upper()}}}" name="Steering" isCodable="true" color="#F00">
        <Description>How the state steers schools</Description>
        <NoteRef targetGUID="{N[2]}"/>
        <Code guid="{C_CHILD}" name="Letters from the agency" isCodable="true" color="#1f77b4"/>
      </Code>
      <Code guid="{C_OTHER}" name="Steering" isCodable="false"/>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="{V_AGE}" name="age" typeOfVariable="Integer"/>
    <Variable guid="{V_ROLE}" name="role" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="6d000000-0000-4000-8000-000000000001" name="Teacher A">
      <VariableValue><VariableRef targetGUID="{V_AGE}"/><IntegerValue>47</IntegerValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{V_ROLE}"/><TextValue>teacher</TextValue></VariableValue>
      <SourceRef targetGUID="{S_TXT}"/>
      <SelectionRef targetGUID="4e000000-0000-4000-8000-000000000001"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{S_TXT}" name="Interview A" plainTextPath="internal://{S_TXT}.txt"
                richTextPath="internal://{S_TXT}.docx" creatingUser="{U1}">
      <PlainTextSelection guid="4e000000-0000-4000-8000-000000000001" name="" startPosition="{A}"
                          endPosition="{B}" creatingUser="{U1}" creationDateTime="2024-05-03T09:30:00Z">
        <Coding guid="3c000000-0000-4000-8000-000000000001" creatingUser="{U2}">
          <CodeRef targetGUID="{C_CHILD}"/>
        </Coding>
        <Coding guid="3c000000-0000-4000-8000-000000000002">
          <CodeRef targetGUID="{C_ROOT}"/>
        </Coding>
        <NoteRef targetGUID="{N[1]}"/>
      </PlainTextSelection>
      <PlainTextSelection guid="4e000000-0000-4000-8000-000000000002" startPosition="{TA}" endPosition="{TB}">
        <Coding guid="3c000000-0000-4000-8000-000000000003" creatingUser="{U2}">
          <CodeRef targetGUID="{C_ROOT}"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="4e000000-0000-4000-8000-000000000003" startPosition="5" endPosition="9000">
        <Coding guid="3c000000-0000-4000-8000-000000000004"><CodeRef targetGUID="{C_ROOT}"/></Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="{N[0]}"/>
    </TextSource>
    <TextSource guid="{S_INLINE}" name="Field note">
      <PlainTextContent>Short inline text about the letter.</PlainTextContent>
      <PlainTextSelection guid="4e000000-0000-4000-8000-000000000004" startPosition="0" endPosition="5">
        <Coding guid="3c000000-0000-4000-8000-000000000005"><CodeRef targetGUID="0f3e6b10-0000-4000-8000-0000000000ff"/></Coding>
      </PlainTextSelection>
      <VariableValue><VariableRef targetGUID="{V_ROLE}"/><TextValue>observer</TextValue></VariableValue>
    </TextSource>
    <AudioSource guid="{S_AUDIO}" name="Interview A audio" path="internal://{S_AUDIO}.m4a">
      <AudioSelection guid="4e000000-0000-4000-8000-000000000005" begin="1000" end="5000">
        <Coding guid="3c000000-0000-4000-8000-000000000006"><CodeRef targetGUID="{C_ROOT}"/></Coding>
      </AudioSelection>
    </AudioSource>
    <PDFSource guid="{S_PDF}" name="Policy" path="relative://policy.pdf">
      <PDFSelection guid="4e000000-0000-4000-8000-000000000006" page="1" firstX="1" firstY="1" secondX="9" secondY="9"/>
      <Representation guid="5a000000-0000-4000-8000-0000000000aa" plainTextPath="internal://policy.txt">
        <PlainTextSelection guid="4e000000-0000-4000-8000-000000000007" startPosition="0" endPosition="6">
          <Coding guid="3c000000-0000-4000-8000-000000000007" creatingUser="{U2}"><CodeRef targetGUID="{C_ROOT}"/></Coding>
        </PlainTextSelection>
      </Representation>
    </PDFSource>
    <PictureSource guid="{S_PIC}" name="Classroom photo" path="absolute:///C:/photos/a.jpg"/>
  </Sources>
  <Notes>
    <Note guid="{N[0]}" name="About interview A" creatingUser="{U1}">
      <PlainTextContent>Recorded in the staff room.</PlainTextContent>
    </Note>
    <Note guid="{N[1]}" name="Letter" creatingUser="{U2}" plainTextPath="internal://{N[1]}.txt"/>
    <Note guid="{N[2]}" name="Code memo"><PlainTextContent>Define steering narrowly.</PlainTextContent></Note>
    <Note guid="{N[3]}" name="Project diary"><PlainTextContent>Started coding.</PlainTextContent></Note>
  </Notes>
  <Sets/>
  <NoteRef targetGUID="{N[3]}"/>
</Project>
"""


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    return make_qdpx(tmp_path / "trial.qdpx", FOREIGN_QDE, {
        f"Sources/{S_TXT}.txt": b"\xef\xbb\xbf" + PLAIN.encode("utf-8"),
        "Sources/policy.txt": b"Policy on steering.",
        f"Sources/{N[1]}.txt": b"The letter came in March.",
    }, qde_name="Trial.qde")


def test_import_of_a_file_written_by_another_tool(foreign: Path) -> None:
    project, notices = read_qdpx(foreign)
    documents = {d.name: d for d in project.documents}
    assert set(documents) == {"Interview A", "Field note", "Policy (text)"}
    interview = documents["Interview A"]
    assert interview.text == STORED
    assert [t.speaker for t in interview.turns] == ["Interviewer", "Teacher", "Interviewer"]
    assert interview.attributes == {"age": "47", "role": "teacher"}
    assert documents["Field note"].attributes == {"role": "observer"}
    [book] = project.codebooks
    assert book.slug == "trial"
    codes = {c.label_en: c for c in book.codes if c.parent is None and c.definition}
    steering = codes["Steering"]
    assert steering.colour == "#FF0000" and steering.definition == "How the state steers schools"
    child = next(c for c in book.codes if c.label_en == "Letters from the agency")
    assert child.parent == steering.key and child.colour == "#1F77B4"
    assert len({c.key for c in book.codes}) == 3  # two codes named Steering get two keys
    texts = {(c.document, c.code, c.coder): interview.text[c.start:c.end] if c.document == "Interview A"
             else None for c in project.codings}
    assert texts[("Interview A", child.key, "Jonas")] == "We got a letter."
    # no creatingUser on the Coding: the selection's user codes it
    assert texts[("Interview A", steering.key, "Maria")] == "We got a letter."
    assert texts[("Interview A", steering.key, "Jonas")] == "Teacher: We got a letter.\n"
    policy = next(c for c in project.codings if c.document == "Policy (text)")
    assert documents["Policy (text)"].text[policy.start:policy.end] == "Policy"
    memos = {(m.target_kind, str(m.target)): m.text for m in project.memos}
    assert memos[("document", "Interview A")].endswith("Recorded in the staff room.")
    coding_memo = next(m for m in project.memos if m.target_kind == "coding")
    assert coding_memo.text.endswith("The letter came in March.") and coding_memo.coder == "Jonas"
    assert project.codings[coding_memo.target].start == interview.text.index("We got")
    assert memos[("code", str((book.slug, steering.key)))].endswith("Define steering narrowly.")
    assert memos[("project", "None")].endswith("Started coding.")
    report = "\n".join(map(str, notices))
    for expected in ("an audio source with 1", "PDF source with 1", "picture source", "outside the text",
                     "unknown code", "refers to selections"):
        assert expected in report, (expected, report)
    assert {n.skipped for n in notices} == {True, False}


def test_foreign_import_is_stored(foreign: Path, store: Store) -> None:
    report = exchange.import_qdpx(store, foreign)
    assert sorted(report.documents) == ["Field note", "Interview A", "Policy (text)"]
    assert report.codings == 4 and report.memos == 4
    assert set(report.coders) >= {"Maria", "Jonas"}
    back = exchange.project_snapshot(store)
    interview = next(d for d in back.documents if d.name == "Interview A")
    assert interview.attributes["age"] == "47" and interview.language in ("sv", "en")
    coded = sorted(interview.text[c.start:c.end] for c in back.codings if c.document == "Interview A")
    assert coded == ["Teacher: We got a letter.\n", "We got a letter.", "We got a letter."]


def test_positions_counting_crlf_as_one_are_recognised(tmp_path: Path) -> None:
    text = "Line one.\r\nLine two.\r\n"
    stored = text.replace("\r\n", "\n")
    start = stored.index("Line two")  # 10 here, which falls inside the first \r\n of the file
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="p">
  <CodeBook><Codes><Code guid="{C_ROOT}" name="c" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{S_TXT}" name="d" plainTextPath="internal://d.txt">
    <PlainTextSelection guid="{S_INLINE}" startPosition="{start}" endPosition="{start + 8}">
      <Coding guid="{S_AUDIO}"><CodeRef targetGUID="{C_ROOT}"/></Coding></PlainTextSelection>
  </TextSource></Sources></Project>"""
    project, notices = read_qdpx(make_qdpx(tmp_path / "p.qdpx", qde, {"sources/d.txt": text.encode()}))
    [coding] = project.codings
    assert stored[coding.start:coding.end] == "Line two"
    assert coding.coder == "imported"
    assert any("line break (\\r\\n) as one" in str(n) for n in notices)


@pytest.mark.skipif(not SAMPLES, reason=f"no .qdpx sample in {REFI / 'samples'}")
def test_import_of_a_real_nvivo_export() -> None:
    project, notices = read_qdpx(SAMPLES[0])
    assert len(project.documents) >= 1 and len(project.codings) > 100
    assert sum(len(b.codes) for b in project.codebooks) > 100
    assert {"Gergo", "floriansipos"} & set(project.coders)
    by_name = {d.name: d for d in project.documents}
    for coding in project.codings:
        text = by_name[coding.document].text
        assert 0 <= coding.start < coding.end <= len(text)


def test_project_element_is_required(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "x.qdpx", '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')
    with pytest.raises(ExchangeError, match="expected a REFI-QDA <Project>"):
        read_qdpx(path)


# ------------------------------------------------------------------ CLI


def test_cli_export_and_import(demo: tuple[Path, Path], foreign: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "cli.qdpx"
    assert main(["export", "qdpx", str(out), "--db", str(demo[0]), "--quiet"]) == 0
    assert out.read_bytes() == demo[1].read_bytes()
    assert main(["export", "qdpx", str(out), "--db", str(demo[0]), "--quiet"]) != 0  # no --force
    capsys.readouterr()
    assert main(["import-project", str(foreign), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["created"] and (tmp_path / "trial.qualcode").is_file()
    assert any("audio" in n["what"] for n in data["notices"])
    assert main(["import-project", str(foreign)]) == 5  # trial.qualcode exists: say --db
    assert "--db" in capsys.readouterr().err
    assert main(["import-project", str(foreign), "--db", "trial.qualcode", "--coder", "kim"]) == 0
    printed = capsys.readouterr().out
    assert "Imported into" in printed and "not imported" in printed
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip at all")
    assert main(["import-project", str(bad)]) == ExchangeError.exit_code
    assert not (tmp_path / "bad.qualcode").exists()


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["note", "selection", "coding", "user"]), name=st.text(max_size=40))
def test_derived_guids_are_the_rfc_4122_name_based_ones(kind: str, name: str) -> None:
    """Exports stay byte-identical to earlier ones: the fast GUID is uuid5's."""
    import uuid

    from qualcode.exporters import qdpx as qdpx_exporter

    assert qdpx_exporter.guid(kind, name) == str(uuid.uuid5(qdpx_exporter.GUID_NAMESPACE, f"{kind}/{name}"))
