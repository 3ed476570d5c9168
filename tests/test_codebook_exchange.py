"""Codebooks in and out: REFI-QDA .qdc export and import, Markdown and Word tables."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.errors import ExchangeError, ExportError
from qualcode.exporters import codebook_tables, qdc
from qualcode.importers.qdc import parse_description, read_qdc, slugify
from qualcode.services.files import write_with

from .refi import refi_qda_dir

REPO = Path(__file__).resolve().parents[1]
REFI = refi_qda_dir()
CODEBOOK_XSD = REFI / "Codebook.xsd"
NS = "urn:QDA-XML:codebook:1.0"

needs_refi = pytest.mark.skipif(
    not CODEBOOK_XSD.is_file(),
    reason=f"REFI-QDA schemas not found at {REFI} (the 'shared/refi-qda' folder beside the repository)")

BOOK = CodebookSpec(
    slug="coupling", name="Loose coupling", version="2.1", languages=("en", "sv"),
    description="Codes for how tightly levels of the school system are joined.\n\nSecond paragraph.",
    codes=(
        CodeSpec("lc.forms", "Forms of coupling", "Kopplingsformer",
                 definition="The kind of coupling a passage shows.", colour="#1F77B4"),
        CodeSpec("lc.tight", "Tight coupling", "Tät koppling", parent="lc.forms",
                 definition="Units follow each other closely and lose their own logic.\n"
                            "Usually about templates and timetables.",
                 inclusion="The school must use the owner's template exactly.",
                 exclusion="Mere agreement between levels.\nKey: not a field, just text.",
                 examples=("We had to use their form, word for word.",
                           "Every Tuesday at three | no exceptions."),
                 colour="#D62728", shortcut="t"),
        CodeSpec("lc.decoupling", "Decoupling", "Frikoppling", parent="lc.forms",
                 definition="Formal structure and practice drift apart.",
                 examples=("The plan exists on paper but nobody opens it.\n  (laughter)",)),
        CodeSpec("lc.deep", "A third level", parent="lc.decoupling",
                 definition="Only here to test depth <2> & escaping."),
        CodeSpec("lc.relations", "Relations", "Relationer",
                 definition="Which relation the passage is about."),
        CodeSpec("lc.state-owner", "State and owner", "Stat och huvudman", parent="lc.relations",
                 colour="#2CA02C"),
        CodeSpec("lc.alone", "Standalone code", definition="A top-level code without children."),
    ),
)

FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="Some QDA tool 12">
  <Codes>
    <Code guid="{AAAAAAAA-0000-4000-8000-000000000001}" name="Åtgärdsplan" isCodable="false" color="#abc">
      <Description>Plans the school writes.\r
Second line of a plain description.</Description>
      <Code guid="aaaaaaaa-0000-4000-8000-000000000002" name="Uppföljning" isCodable="true">
        <Code guid="aaaaaaaa-0000-4000-8000-000000000003" name="Uppföljning" isCodable="true" color="#00ff00"/>
      </Code>
      <Code guid="aaaaaaaa-0000-4000-8000-000000000004" name="Odd colour" isCodable="true" color="red">
        <Description>   </Description>
      </Code>
    </Code>
    <Code guid="aaaaaaaa-0000-4000-8000-000000000005" name="  Uppföljning  " isCodable="true"/>
    <Code guid="aaaaaaaa-0000-4000-8000-000000000006" name="!!!" isCodable="true"/>
  </Codes>
  <Sets/>
</CodeBook>
"""


def export(spec: CodebookSpec) -> bytes:
    stream = io.BytesIO()
    qdc.write_qdc(spec, stream)
    return stream.getvalue()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def tree_of(data: bytes) -> list[tuple]:
    """The code tree of a .qdc as plain tuples: name, colour, definition, children."""
    from lxml import etree

    root = etree.fromstring(data)
    ns = etree.QName(root).namespace

    def node(element) -> tuple:  # type: ignore[no-untyped-def]
        description = element.find(f"{{{ns}}}Description")
        text = description.text or "" if description is not None else ""
        colour = element.get("color")
        return (element.get("name").strip(), qdc_colour(colour),
                parse_description(text)["definition"],
                [node(child) for child in element.findall(f"{{{ns}}}Code")])

    return [node(code) for code in root.find(f"{{{ns}}}Codes").findall(f"{{{ns}}}Code")]


def qdc_colour(colour: str | None) -> str | None:
    if not colour or not re.fullmatch(r"#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})", colour):
        return None
    digits = colour[1:]
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits)).upper()


# ------------------------------------------------------------------ export


@needs_refi
def test_export_validates_against_refi_schema() -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(CODEBOOK_XSD)))
    document = etree.fromstring(export(BOOK))
    assert schema.validate(document), schema.error_log
    assert etree.QName(document).namespace == NS


def test_export_is_stable_and_nests_codes() -> None:
    from lxml import etree

    first, second = export(BOOK), export(BOOK)
    assert first == second
    root = etree.fromstring(first)
    codes = root.findall(f".//{{{NS}}}Code")
    assert len(codes) == len(BOOK.codes)
    guids = [c.get("guid") for c in codes]
    assert guids[0] == str(uuid.uuid5(qdc.GUID_NAMESPACE, "coupling/lc.forms"))
    assert len(set(guids)) == len(guids)
    tight = next(c for c in codes if c.get("name") == "Tight coupling")
    assert tight.getparent().get("name") == "Forms of coupling"
    assert tight.get("color") == "#D62728" and tight.get("isCodable") == "true"
    description = tight.find(f"{{{NS}}}Description").text
    assert description.startswith("Units follow each other closely")
    assert "\nInclusion: The school must use" in description
    # qualcode's own fields are not in what another tool shows, but beside the XML.
    assert not re.search(r"^(Key|Swedish label|Shortcut):", description, re.M)
    pi = json.loads(re.search(rb"<\?qualcode (.*?)\?>", first).group(1))
    assert pi["codes"][tight.get("guid")] == {"key": "lc.tight", "label_sv": "Tät koppling",
                                              "shortcut": "t"}
    assert pi["codes"][guids[-1]] == {"key": "lc.alone"}
    # A changed slug gives other GUIDs: the codebook identity is part of each code's.
    assert export(replace(BOOK, slug="other")) != first


def test_export_refuses_bad_colour_and_empty_codebook() -> None:
    bad = replace(BOOK, codes=(CodeSpec("x", "X", colour="blue"),))
    with pytest.raises(ExportError, match="colour 'blue'"):
        export(bad)
    with pytest.raises(ExportError, match="no codes"):
        export(replace(BOOK, codes=()))


# -------------------------------------------------------------- round trips


def test_spec_to_qdc_to_spec_is_equal(tmp_path: Path) -> None:
    path = write(tmp_path, "exported copy.qdc", export(BOOK))
    assert read_qdc(path) == BOOK  # slug, name and version come back from the file
    assert read_qdc(path, slug="renamed") == replace(BOOK, slug="renamed")


def test_qdc_to_spec_to_qdc_keeps_codes_hierarchy_colours_descriptions(tmp_path: Path) -> None:
    original = FOREIGN.encode("utf-8")
    spec = read_qdc(write(tmp_path, "foreign.qdc", original))
    again = export(spec)
    assert tree_of(again) == tree_of(original)
    # From then on the file is a fixed point: nothing drifts on repeated exchange.
    respec = read_qdc(write(tmp_path, "again.qdc", again))
    assert respec == replace(spec, name="foreign") and export(respec) == again


def test_every_written_field_is_recovered() -> None:
    for code in BOOK.codes:
        fields = parse_description(qdc.describe(code))
        assert (fields["definition"], fields["inclusion"], fields["exclusion"], fields["examples"],
                fields["key"], fields["label_sv"], fields["shortcut"]) == (
            code.definition, code.inclusion, code.exclusion, code.examples,
            code.key, code.label_sv, code.shortcut)


_line = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=20).map(str.strip).filter(bool)
_block = st.lists(_line, min_size=0, max_size=3).map("\n".join)
_not_a_label = re.compile(r"^(Inclusion|Exclusion|Examples?|Key|Swedish label|Shortcut)\s*:", re.I | re.M)


@st.composite
def _books(draw) -> CodebookSpec:  # type: ignore[no-untyped-def]
    count = draw(st.integers(1, 6))
    codes = []
    for index in range(count):
        parent = draw(st.sampled_from([None] + [c.key for c in codes]))
        codes.append(CodeSpec(
            key=f"k{index}", label_en=draw(_line), label_sv=draw(st.none() | _line),
            parent=parent, definition=draw(_block.filter(lambda t: not _not_a_label.search(t))),
            inclusion=draw(_block), exclusion=draw(_block),
            examples=tuple(draw(st.lists(_block.filter(bool), max_size=3))),
            colour=draw(st.none() | st.from_regex(r"\A#[0-9A-F]{6}\Z")),
            shortcut=draw(st.none() | st.sampled_from("abc123"))))
    spec = CodebookSpec(slug="gen", name=draw(_line), version=draw(_line),
                        languages=("en", "sv"), description=draw(_block), codes=tuple(codes))
    # The file lists codes depth-first, so compare against the same order.
    return replace(spec, codes=tuple(code for _, code in spec.walk()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book=_books())
def test_round_trip_property(book: CodebookSpec, tmp_path: Path) -> None:
    path = write(tmp_path, "gen.qdc", export(book))
    assert read_qdc(path) == book


# ------------------------------------------------------------ foreign files


def test_foreign_codebook_is_read_with_generated_keys(tmp_path: Path) -> None:
    spec = read_qdc(write(tmp_path, "Min Kodbok (NVivo).qdc", FOREIGN))
    assert spec.slug == "min-kodbok-nvivo" and spec.name == "Min Kodbok (NVivo)"
    assert spec.version == "1" and spec.languages == ("en",) and spec.description == ""
    assert [(c.key, c.parent, c.label_en) for c in spec.codes] == [
        ("atgardsplan", None, "Åtgärdsplan"),
        ("uppfoljning", "atgardsplan", "Uppföljning"),
        ("uppfoljning-2", "uppfoljning", "Uppföljning"),
        ("odd-colour", "atgardsplan", "Odd colour"),
        ("uppfoljning-3", None, "Uppföljning"),
        ("code", None, "!!!"),
    ]
    first = spec.code("atgardsplan")
    assert first.definition == "Plans the school writes.\nSecond line of a plain description."
    assert first.colour == "#AABBCC" and first.label_sv is None and first.examples == ()
    assert spec.code("uppfoljning-2").colour == "#00FF00"
    assert spec.code("odd-colour").colour is None and spec.code("odd-colour").definition == ""
    assert spec.code("uppfoljning").colour is None


def test_foreign_file_with_some_embedded_keys_avoids_them(tmp_path: Path) -> None:
    text = FOREIGN.replace("<Description>   </Description>",
                           "<Description>Key: uppfoljning</Description>")
    spec = read_qdc(write(tmp_path, "mixed.qdc", text), slug="mixed")
    assert spec.code("uppfoljning").label_en == "Odd colour"
    assert [c.key for c in spec.codes].count("uppfoljning") == 1


@needs_refi
def test_nvivo_sample_codebook_is_read(tmp_path: Path) -> None:
    """The codebook inside a real NVivo project export, as a stand-alone .qdc."""
    from lxml import etree

    samples = sorted((REFI / "samples").glob("*.qdpx"))
    if not samples:
        pytest.skip(f"no .qdpx sample in {REFI / 'samples'}")
    with zipfile.ZipFile(samples[0]) as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith(".qde"))
        project = etree.fromstring(archive.read(name))
    book = next(e for e in project.iter() if etree.QName(e).localname == "CodeBook")
    for element in book.iter():
        element.tag = f"{{{NS}}}{etree.QName(element).localname}"
    etree.cleanup_namespaces(book)
    original = etree.tostring(book, xml_declaration=True, encoding="utf-8")
    spec = read_qdc(write(tmp_path, "oltas.qdc", original))
    assert len(spec.codes) == len(book.findall(f".//{{{NS}}}Code")) > 100
    assert len({c.key for c in spec.codes}) == len(spec.codes)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", c.key) for c in spec.codes)
    assert [c.label_en for c in spec.children(None)][:2] == ["1. Oltás típusa",
                                                            "2. Attitűd szint az oltáshoz"]
    assert spec.code("1-oltas-tipusa").definition == "COVID vay nem COVID"
    assert [c.label_en for c in spec.children("1-oltas-tipusa")] == ["COVID", "Nem COVID"]
    assert tree_of(export(spec)) == tree_of(original)
    schema = etree.XMLSchema(etree.parse(str(CODEBOOK_XSD)))
    assert schema.validate(etree.fromstring(export(spec))), schema.error_log


QDC_SAMPLES = sorted((REFI / "samples").glob("*.qdc")) if REFI.is_dir() else []


@pytest.mark.skipif(not QDC_SAMPLES, reason=f"no .qdc samples in {REFI / 'samples'}")
@pytest.mark.parametrize("path", QDC_SAMPLES or [None], ids=lambda p: p.name if p else "none")
def test_shared_qdc_samples_are_read(path: Path) -> None:
    spec = read_qdc(path)
    assert spec.codes and len({c.key for c in spec.codes}) == len(spec.codes)


# ------------------------------------------------------------------ errors

CODE = '<Code guid="aaaaaaaa-0000-4000-8000-00000000000{n}" name="C{n}" isCodable="true"/>'


def _book(body: str, namespace: str = NS) -> str:
    return (f'<?xml version="1.0"?>\n<CodeBook xmlns="{namespace}">\n<Codes>\n{body}\n'
            "</Codes>\n</CodeBook>\n")


ERRORS = {
    "not-xml": ("this is not XML at all", r"bad\.qdc:1: not well-formed XML"),
    "empty": ("", r"bad\.qdc:1: not well-formed XML"),
    "truncated": (_book(CODE.format(n=1))[:-12], r"bad\.qdc:\d+: not well-formed XML"),
    "wrong-root": ('<Project xmlns="urn:QDA-XML:project:1.0"><CodeBook/></Project>',
                   r"bad\.qdc:1: expected a REFI-QDA codebook .* found <Project>"),
    "wrong-namespace": (_book(CODE.format(n=1), "urn:example:other"),
                        r"bad\.qdc:2: expected .* namespace 'urn:example:other'"),
    "no-namespace": ("<CodeBook><Codes/></CodeBook>", r"bad\.qdc:1: .*without a namespace"),
    "missing-name": (_book(CODE.format(n=1) + '\n<Code guid="aaaaaaaa-0000-4000-8000-000000000009" '
                           'isCodable="true"/>'), r"bad\.qdc:5: a <Code> has no name"),
    "blank-name": (_book('<Code guid="aaaaaaaa-0000-4000-8000-000000000009" name="  " '
                         'isCodable="true"/>'), r"bad\.qdc:4: a <Code> has no name"),
    "missing-guid": (_book('<Code name="C" isCodable="true"/>'), r"bad\.qdc:4: code 'C' has no guid"),
    "duplicate-guid": (_book(CODE.format(n=1) + "\n"
                             + CODE.format(n=1).replace('name="C1"', 'name="D"').replace(
                                 "aaaaaaaa", "{AAAAAAAA").replace('01"', '01}"')),
                       r"bad\.qdc:5: code 'D' repeats the GUID .* of the code on line 4"),
    "duplicate-key": (_book(CODE.format(n=1).replace("/>", "><Description>Key: a</Description></Code>")
                            + "\n" + CODE.format(n=2).replace("/>", "><Description>x\nKey: a"
                                                                    "</Description></Code>")),
                      r"bad\.qdc:5: code 'C2' repeats the key 'a' of the code on line 4"),
    "no-codes": (_book(""), r"bad\.qdc:2: the codebook has no codes"),
    "no-codes-element": (f'<CodeBook xmlns="{NS}"><Sets/></CodeBook>', r"bad\.qdc:1: the codebook has no codes"),
    "entity-bomb": ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                    '<!ENTITY lol2 "&lol;&lol;">]>\n' + _book(CODE.format(n=1)).split("\n", 1)[1],
                    r"bad\.qdc:\d+: refused unsafe XML"),
    "external-entity": ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
                        f'<CodeBook xmlns="{NS}"><Codes><Code guid="aaaaaaaa-0000-4000-8000-000000000001" '
                        'name="&e;" isCodable="true"/></Codes></CodeBook>', r"refused unsafe XML"),
    "zip": (b"PK\x03\x04rest of a zip", r"bad\.qdc is a zip archive"),
    "binary": (b"\xff\xfe\x00\x00garbage\x00", r"bad\.qdc"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_files_raise_exchange_error_with_place(tmp_path: Path, case: str) -> None:
    content, pattern = ERRORS[case]
    path = write(tmp_path, "bad.qdc", content)
    with pytest.raises(ExchangeError) as caught:
        read_qdc(path)
    assert re.search(pattern, caught.value.message), caught.value.message
    assert caught.value.hint


def test_missing_file_raises_exchange_error(tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match="no such file"):
        read_qdc(tmp_path / "absent.qdc")
    with pytest.raises(ExchangeError, match="Cannot read"):
        read_qdc(tmp_path)


def test_slugify() -> None:
    assert slugify("Åtgärdsplan 2 / Ökad") == "atgardsplan-2-okad"
    assert slugify("  --  ") == ""


# ------------------------------------------------------------------ tables


def test_markdown_tables_in_english() -> None:
    text = io.StringIO()
    codebook_tables.write_markdown(BOOK, text, language="en")
    md = text.getvalue()
    lines = md.splitlines()
    assert lines[0] == "# Loose coupling"
    assert "version 2.1" in md and "Codes for how tightly levels" in md and "Second paragraph." in md
    assert [line for line in lines if line.startswith("## ")] == [
        "## Forms of coupling", "## Relations", "## Standalone code"]
    assert md.count("| Code | Definition | Inclusion | Exclusion | Example |") == 3
    tight = next(line for line in lines if "Tight coupling" in line)
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", tight)[1:-1]]
    assert cells[0] == "Tight coupling" and tight.startswith("| \u2003Tight")
    assert cells[1] == "Units follow each other closely and lose their own logic. Usually about templates and timetables."
    assert cells[2] == "The school must use the owner's template exactly."
    assert cells[3].startswith("Mere agreement between levels.")
    assert cells[4] == ("\u201cWe had to use their form, word for word.\u201d; "
                        "\u201cEvery Tuesday at three \\| no exceptions.\u201d")
    assert "| \u2003\u2003A third level |" in md
    assert "| **Forms of coupling** | The kind of coupling a passage shows. |" in md


def test_markdown_tables_in_swedish_use_swedish_labels() -> None:
    text = io.StringIO()
    codebook_tables.write_markdown(BOOK, text, language="sv")
    md = text.getvalue()
    assert md.count("| Kod | Definition | Inkludering | Exkludering | Exempel |") == 3
    assert "## Kopplingsformer" in md and "Tät koppling" in md
    assert "## Standalone code" in md  # no Swedish label: the English one stands in
    assert "Kodbok coupling, version 2.1" in md


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ExportError, match="language 'de'"):
        codebook_tables.write_markdown(BOOK, io.StringIO(), language="de")


def test_docx_has_a_table_per_group() -> None:
    import docx

    stream = io.BytesIO()
    codebook_tables.write_docx(BOOK, stream, language="en")
    document = docx.Document(io.BytesIO(stream.getvalue()))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Loose coupling" and "version 2.1" in paragraphs[1]
    assert "Second paragraph." in paragraphs
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        "Forms of coupling", "Relations", "Standalone code"]
    assert len(document.tables) == 3
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["Code", "Definition", "Inclusion", "Exclusion", "Example"]
    assert [r[0] for r in rows[1:]] == ["Forms of coupling", "Tight coupling", "Decoupling",
                                        "A third level"]
    assert rows[2][2] == "The school must use the owner's template exactly."
    assert rows[3][4] == "\u201cThe plan exists on paper but nobody opens it. (laughter)\u201d"
    indent = document.tables[0].rows[4].cells[0].paragraphs[0].paragraph_format.left_indent
    assert indent is not None and indent > document.tables[0].rows[2].cells[0].paragraphs[0].paragraph_format.left_indent
    swedish = io.BytesIO()
    codebook_tables.write_docx(BOOK, swedish, language="sv")
    header = docx.Document(io.BytesIO(swedish.getvalue())).tables[0].rows[0].cells
    assert [c.text for c in header] == ["Kod", "Definition", "Inkludering", "Exkludering", "Exempel"]


def test_writers_fit_the_export_streams(tmp_path: Path) -> None:
    """Markdown goes to a text stream; .docx and .qdc to binary ones."""
    md = write_with(tmp_path / "book.md", lambda s: codebook_tables.write_markdown(BOOK, s),
                    overwrite=False, binary=False)
    doc = write_with(tmp_path / "book.docx", lambda s: codebook_tables.write_docx(BOOK, s),
                     overwrite=False)
    book = write_with(tmp_path / "book.qdc", lambda s: qdc.write_qdc(BOOK, s), overwrite=False)
    assert md.read_text(encoding="utf-8").startswith("# Loose coupling")
    assert zipfile.is_zipfile(doc)
    assert read_qdc(book) == BOOK


# -------------------------------------------------------- shipped codebooks

SHIPPED = sorted((REPO / "codebooks").glob("*.yaml"))
SHIPPED = [p for p in SHIPPED if p.stem != "template"]
HAS_YAML_READER = (REPO / "qualcode" / "importers" / "codebook_yaml.py").is_file()


@pytest.mark.skipif(not (SHIPPED and HAS_YAML_READER), reason="no shipped codebooks/*.yaml to round-trip")
@pytest.mark.parametrize("path", SHIPPED or [None], ids=lambda p: p.name if p else "none")
def test_shipped_codebooks_round_trip(path: Path, tmp_path: Path) -> None:
    from qualcode.importers.codebook_yaml import load_codebook

    spec = load_codebook(path)
    ordered = replace(spec, codes=tuple(code for _, code in spec.walk()))
    data = export(spec)
    assert read_qdc(write(tmp_path, path.stem + ".qdc", data)) == ordered
    if CODEBOOK_XSD.is_file():
        from lxml import etree

        schema = etree.XMLSchema(etree.parse(str(CODEBOOK_XSD)))
        assert schema.validate(etree.fromstring(data)), schema.error_log
    for language in ("en", "sv"):
        codebook_tables.write_markdown(spec, io.StringIO(), language=language)


# ------------------------------------------------------------- via a project


def test_project_export_and_reimport(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.services import codebook, codebook_exchange

    codebook.load_spec(store, BOOK)
    for suffix in codebook_exchange.EXPORT_FORMATS:
        codebook_exchange.export_codebook(store, "coupling", tmp_path / f"book{suffix}", language="sv")
    assert (tmp_path / "book.md").read_text(encoding="utf-8").startswith("# Loose coupling")
    report = codebook_exchange.import_qdc(store, tmp_path / "book.qdc")
    assert not report.created and not (report.added or report.updated or report.removed)
    assert codebook.spec_of(store, "coupling") == BOOK
    with pytest.raises(ExportError, match="already exists"):
        codebook_exchange.export_codebook(store, "coupling", tmp_path / "book.qdc")
