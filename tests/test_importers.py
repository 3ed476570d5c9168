"""Transcript importers, turn detection, speaker maps, language and segmentation."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx as python_docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError
from qualcode.importers.base import SUPPORTED_EXTENSIONS, read_source
from qualcode.importers.decoding import decode_bytes
from qualcode.importers.language import detect_language
from qualcode.importers.segmenter import Segmenter
from qualcode.importers.speaker_map import check_known, load_speaker_map
from qualcode.importers.turns import detect_turns

# ---------------------------------------------------------------- helpers


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def spoken(document: ParsedDocument) -> list[tuple[str | None, str]]:
    return [(t.speaker, document.text[t.start:t.end]) for t in document.turns]


def make_docx(paragraphs: list[str], *, title: str = "", table: list[list[str]] | None = None) -> bytes:
    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    if title:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sv() -> Segmenter:
    return Segmenter("sv")


@pytest.fixture(scope="module")
def en() -> Segmenter:
    return Segmenter("en")


SWEDISH_TXT = """\
Intervju med rektor på Hamnskolan, mars 2025.

Intervjuare: Hur började arbetet med kvalitetsdialogerna hos er?

Rektor: Alltså, det var i augusti. Vi satt i personalrummet, tio personer ungefär,
och processtödjaren gick igenom analysen. Klockan 10:30 var vi klara.

Biträdande rektor 2: Jag minns att det var rörigt. Det var så här: ingen visste vem som ägde frågan.

Intervjuare: Och sen då?
"""

ENGLISH_TXT = """\
I: Could you describe how the project started at your school?

R1: Well, it started in the autumn. We had a kick-off in the library.
It was long, honestly: three hours.

R2: I remember it differently. The plan was already written.
"""

# ---------------------------------------------------------------- plain text


def test_plaintext_swedish_turns_and_text(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "rektor_hamnskolan.txt", SWEDISH_TXT))
    assert document.name == "rektor_hamnskolan"
    assert document.format == "txt"
    assert document.encoding == "utf-8"
    assert document.text == SWEDISH_TXT
    assert spoken(document) == [
        ("Intervjuare", "Hur började arbetet med kvalitetsdialogerna hos er?"),
        ("Rektor", "Alltså, det var i augusti. Vi satt i personalrummet, tio personer ungefär,\n"
                   "och processtödjaren gick igenom analysen. Klockan 10:30 var vi klara."),
        ("Biträdande rektor 2", "Jag minns att det var rörigt. Det var så här: ingen visste vem "
                                "som ägde frågan."),
        ("Intervjuare", "Och sen då?"),
    ]


def test_plaintext_english_code_labels(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "teacher.txt", ENGLISH_TXT))
    assert [t.speaker for t in document.turns] == ["I", "R1", "R2"]
    assert spoken(document)[1][1].endswith("three hours.")
    assert detect_language(document.text) == "en"


def test_crlf_and_bom_are_normalised(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbfIntervjuare: Hej\r\n\r\nRektor: Hej hej\rsa hon.\r\n"
    document = read_source(write(tmp_path, "crlf.txt", raw))
    assert document.text == "Intervjuare: Hej\n\nRektor: Hej hej\nsa hon.\n"
    assert document.encoding == "utf-8-sig"
    assert spoken(document) == [("Intervjuare", "Hej"), ("Rektor", "Hej hej\nsa hon.")]


def test_cp1252_text_is_reported_as_cp1252(tmp_path: Path) -> None:
    text = "Lärare 1: Vi läste “Skolverkets” rapport – två gånger, på förmiddagen.\n"
    document = read_source(write(tmp_path, "cp.txt", text.encode("cp1252")))
    assert document.encoding == "cp1252"
    assert document.text == text
    assert spoken(document) == [("Lärare 1", text[len("Lärare 1: "):].strip())]


def test_latin1_is_the_last_resort() -> None:
    raw = "Rektor: Öppet hus\n".encode("latin-1") + b"\x81\n"  # 0x81 is undefined in cp1252
    text, encoding = decode_bytes(raw, "x.txt")
    assert encoding == "latin-1"
    assert text.startswith("Rektor: Öppet hus")


def test_utf16_with_bom_is_read() -> None:
    text, encoding = decode_bytes("Rektor: Hej på er\n".encode("utf-16"), "u.txt")
    assert (text, encoding) == ("Rektor: Hej på er\n", "utf-16")


def test_decomposed_characters_are_composed() -> None:
    text, _ = decode_bytes("Lärare: Ja".replace("ä", "a\u0308").encode("utf-8"), "nfd.txt")
    assert text == "Lärare: Ja"


@pytest.mark.parametrize("raw", [b"", b"   \n\r\n\t"])
def test_empty_file_is_refused(tmp_path: Path, raw: bytes) -> None:
    with pytest.raises(SourceFileError, match="empty"):
        read_source(write(tmp_path, "tom.txt", raw))


@pytest.mark.parametrize("raw", [b"Rektor: hej\x00\x00\x01\x02", bytes(range(1, 32)) * 20])
def test_binary_file_is_refused(tmp_path: Path, raw: bytes) -> None:
    with pytest.raises(SourceFileError, match="looks binary"):
        read_source(write(tmp_path, "bild.txt", raw))


def test_unsupported_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError) as caught:
        read_source(write(tmp_path, "intervju.pdf", b"%PDF-1.7"))
    assert "unsupported" in caught.value.message
    for extension in SUPPORTED_EXTENSIONS:
        assert extension in str(caught.value)


def test_missing_file_is_a_source_file_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="cannot read"):
        read_source(tmp_path / "finns_inte.txt")


def test_extension_case_is_ignored(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "GAMMAL.TXT", "Rektor: Ja.\n"))
    assert document.format == "txt"


# ---------------------------------------------------------------- markdown

MARKDOWN = """\
---
title: Intervju med processtödjare, Skolverket
interview_id: sbs-01
level: state            # state | owner | school | university
role: processtödjare
municipality: Sjöviks kommun
date: 2025-03-12
interview_type: individual
duration_min: 58
language: sv
tags: [pilot, hösten]
---

**Intervjuare:** Kan du börja med din roll?

**Processtödjare:** Ja. Jag har varit med sedan 2019, ungefär.

Intervjuare: Och kommunen?
"""


def test_markdown_front_matter_becomes_attributes(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "01_processtodjare.md", MARKDOWN))
    assert document.format == "md"
    assert document.attributes == {
        "title": "Intervju med processtödjare, Skolverket",
        "interview_id": "sbs-01",
        "level": "state",
        "role": "processtödjare",
        "municipality": "Sjöviks kommun",
        "date": "2025-03-12",
        "interview_type": "individual",
        "duration_min": "58",
        "language": "sv",
        "tags": "pilot, hösten",
    }
    assert document.language == "sv"
    assert document.text.startswith("**Intervjuare:** Kan du")
    assert spoken(document) == [
        ("Intervjuare", "Kan du börja med din roll?"),
        ("Processtödjare", "Ja. Jag har varit med sedan 2019, ungefär."),
        ("Intervjuare", "Och kommunen?"),
    ]


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "plain.md", "# Anteckningar\n\nRektor: Ja.\n"))
    assert document.attributes == {}
    assert document.text == "# Anteckningar\n\nRektor: Ja.\n"
    assert spoken(document) == [("Rektor", "Ja.")]


def test_markdown_bad_front_matter_names_the_line(tmp_path: Path) -> None:
    bad = "---\ntitle: Intervju\nrole: [rektor\nlevel: school\n---\n\nRektor: Hej.\n"
    with pytest.raises(SourceFileError) as caught:
        read_source(write(tmp_path, "bad.md", bad))
    assert "bad.md:" in caught.value.message
    assert "front matter" in caught.value.message
    line = int(caught.value.message.split("bad.md:")[1].split(":")[0])
    assert 3 <= line <= 5


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("---\ntitle: x\n\nRektor: Hej.\n", "never closed"),
        ("---\n- a\n- b\n---\n\nRektor: Hej.\n", "key: value"),
        ("---\ntitle: x\n---\n\n\n", "no transcript text"),
    ],
)
def test_markdown_front_matter_problems(tmp_path: Path, content: str, expected: str) -> None:
    with pytest.raises(SourceFileError, match=expected):
        read_source(write(tmp_path, "fm.md", content))


# ---------------------------------------------------------------- docx


def test_docx_paragraphs_and_turns(tmp_path: Path) -> None:
    raw = make_docx(
        ["Intervju med lärare, Björkskolan", "",
         "Intervjuare: Hur används analysen i arbetslaget?",
         "Förstelärare 1: Vi tittar på den varannan vecka.",
         "Lärare 2: Fast ärligt talat, inte alltid."],
        title="Lärarintervju",
        table=[["Intervjuare", "Varför inte?"], ["Lärare 2", "Tiden räcker inte."]],
    )
    document = read_source(write(tmp_path, "larare.docx", raw))
    assert document.format == "docx"
    assert document.attributes == {"title": "Lärarintervju"}
    assert document.text.startswith("Intervju med lärare, Björkskolan\n\nIntervjuare: Hur")
    assert spoken(document) == [
        ("Intervjuare", "Hur används analysen i arbetslaget?"),
        ("Förstelärare 1", "Vi tittar på den varannan vecka."),
        ("Lärare 2", "Fast ärligt talat, inte alltid."),
        ("Intervjuare", "Varför inte?"),
        ("Lärare 2", "Tiden räcker inte."),
    ]


def test_docx_english(tmp_path: Path) -> None:
    raw = make_docx(["Interviewer: What changed after the first year?",
                     "Principal: The meetings got shorter. And more honest, I think."])
    document = read_source(write(tmp_path, "principal.docx", raw))
    assert [t.speaker for t in document.turns] == ["Interviewer", "Principal"]
    assert detect_language(document.text) == "en"


def _zip_without_word() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "raw",
    [b"Rektor: this is text, not docx", b"PK\x03\x04garbage-after-the-magic", _zip_without_word()],
    ids=["not-a-zip", "broken-zip", "zip-without-document"],
)
def test_corrupt_docx_is_refused(tmp_path: Path, raw: bytes) -> None:
    with pytest.raises(SourceFileError, match="not a readable .docx"):
        read_source(write(tmp_path, "trasig.docx", raw))


def test_docx_without_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="no text"):
        read_source(write(tmp_path, "tom.docx", make_docx(["", "  "])))


def test_empty_docx_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="empty"):
        read_source(write(tmp_path, "tom.docx", b""))


# ---------------------------------------------------------------- WebVTT

TEAMS_VTT = """\
WEBVTT

3f2c9a1e-8d1b-4c55-a0b7-6c1d2e3f4a5b/14-0
00:00:03.120 --> 00:00:06.480
<v Anna Berg>Välkomna allihop, ska vi börja?</v>

3f2c9a1e-8d1b-4c55-a0b7-6c1d2e3f4a5b/14-1
00:00:06.480 --> 00:00:09.000
<v Anna Berg>Vi tar rundan först.</v>

3f2c9a1e-8d1b-4c55-a0b7-6c1d2e3f4a5b/22-0
00:00:09.500 --> 00:00:14.250
<v Erik Lund>Ja, det låter bra.
Jag kan börja.</v>

3f2c9a1e-8d1b-4c55-a0b7-6c1d2e3f4a5b/30-0
00:01:02.000 --> 00:01:05.500
<v Anna Berg>Tack, Erik.</v>
"""

ZOOM_VTT = """\
WEBVTT

1
00:00:01.200 --> 00:00:04.800
Anna Berg: Thanks for joining today.

2
00:00:05.000 --> 00:00:09.100
Tom Reed: Happy to be here. We started in 2021.

3
00:00:09.100 --> 00:00:12.000
Tom Reed: Before that, nothing was coordinated.
"""


def test_vtt_teams_voices_merge_consecutive_cues(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "teams.vtt", TEAMS_VTT))
    assert document.format == "vtt"
    assert document.text == (
        "Anna Berg: Välkomna allihop, ska vi börja? Vi tar rundan först.\n\n"
        "Erik Lund: Ja, det låter bra. Jag kan börja.\n\n"
        "Anna Berg: Tack, Erik.\n"
    )
    assert spoken(document) == [
        ("Anna Berg", "Välkomna allihop, ska vi börja? Vi tar rundan först."),
        ("Erik Lund", "Ja, det låter bra. Jag kan börja."),
        ("Anna Berg", "Tack, Erik."),
    ]
    times = [(t.start_time, t.end_time) for t in document.turns]
    assert times == [(3.12, 9.0), (9.5, 14.25), (62.0, 65.5)]


def test_vtt_zoom_name_prefix(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "zoom.vtt", ZOOM_VTT))
    assert spoken(document) == [
        ("Anna Berg", "Thanks for joining today."),
        ("Tom Reed", "Happy to be here. We started in 2021. Before that, nothing was coordinated."),
    ]
    assert (document.turns[1].start_time, document.turns[1].end_time) == (5.0, 12.0)


def test_vtt_notes_styles_and_tags(tmp_path: Path) -> None:
    content = """\
WEBVTT - intervju 3
Kind: captions
Language: sv

STYLE
::cue { color: yellow }

NOTE Transkriberad av forskargruppen,
kontrollerad två gånger.

intro
00:05.000 --> 00:08.000 align:start position:10%
<v.loud Rektor><b>Nej</b>, vi hade <i>inga</i> rutiner &amp; ingen plan.

NOTE

00:08.000 --> 00:10.000
<c.yellow>Inte</c> på <00:00:09.000>riktigt.
"""
    document = read_source(write(tmp_path, "styled.vtt", content))
    assert spoken(document) == [
        ("Rektor", "Nej, vi hade inga rutiner & ingen plan."),
        (None, "Inte på riktigt."),
    ]
    assert document.text.endswith("\n\nInte på riktigt.\n")
    assert document.turns[0].start_time == 5.0


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("Hej\n\n00:01.000 --> 00:02.000\nText\n", 1, "WEBVTT"),
        ("WEBVTT\n\n1\n00:01.000 --> 00:0x.000\nText\n", 4, "malformed cue timing"),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nText\n\nbara text\nutan tid\n", 6, "timing line"),
        ("WEBVTT\n\n00:05.000 --> 00:02.000\nText\n", 3, "ends before"),
    ],
)
def test_malformed_vtt_names_the_line(tmp_path: Path, content: str, line: int, expected: str) -> None:
    with pytest.raises(SourceFileError, match=expected) as caught:
        read_source(write(tmp_path, "bad.vtt", content))
    assert f"bad.vtt:{line}:" in caught.value.message


def test_vtt_without_cues_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="no cues"):
        read_source(write(tmp_path, "tom.vtt", "WEBVTT\n\nNOTE ingenting här\n"))


# ---------------------------------------------------------------- SubRip

SRT = """\
1
00:00:01,000 --> 00:00:04,000
Intervjuare: Hur ser samarbetet
med förvaltningen ut?

2
00:00:04,500 --> 00:00:07,250
Verksamhetschef: <i>Det</i> har blivit bättre.

3
00:00:07,250 --> 00:00:11,000
Verksamhetschef: Vi ses varannan vecka nu.

4
00:01:00,000 --> 00:01:02,000
{\\an8}[skratt]
"""


def test_srt_timestamps_are_kept_on_turns(tmp_path: Path) -> None:
    document = read_source(write(tmp_path, "forvaltning.srt", SRT))
    assert document.format == "srt"
    assert spoken(document) == [
        ("Intervjuare", "Hur ser samarbetet med förvaltningen ut?"),
        ("Verksamhetschef", "Det har blivit bättre. Vi ses varannan vecka nu."),
        (None, "[skratt]"),
    ]
    assert [(t.start_time, t.end_time) for t in document.turns] == [
        (1.0, 4.0), (4.5, 11.0), (60.0, 62.0)]
    assert document.text.startswith("Intervjuare: Hur ser samarbetet med förvaltningen ut?\n\n")


def test_srt_without_speakers(tmp_path: Path) -> None:
    content = "1\n00:00:01,000 --> 00:00:02,000\nSo we began.\n\n2\n00:00:02,000 --> 00:00:03,500\nIt was slow.\n"
    document = read_source(write(tmp_path, "plain.srt", content))
    assert spoken(document) == [(None, "So we began. It was slow.")]
    assert (document.turns[0].start_time, document.turns[0].end_time) == (1.0, 3.5)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nHej\n\n2\n00:00:0X,000 --> 00:00:03,000\nDå\n", 6),
        ("1\n00:00:01,000 --> 00:00:02,000\nHej\n\nlös text utan nummer\n", 5),
    ],
)
def test_malformed_srt_names_the_line(tmp_path: Path, content: str, line: int) -> None:
    with pytest.raises(SourceFileError) as caught:
        read_source(write(tmp_path, "bad.srt", content))
    assert f"bad.srt:{line}:" in caught.value.message


# ---------------------------------------------------------------- turn detection


@pytest.mark.parametrize(
    ("line", "speaker", "utterance"),
    [
        ("Intervjuare: Hur gick det?", "Intervjuare", "Hur gick det?"),
        ("I: Okej.", "I", "Okej."),
        ("R1: Ja.", "R1", "Ja."),
        ("IP2: Kanske.", "IP2", "Kanske."),
        ("Rektor 1) Vi började i augusti.", "Rektor 1", "Vi började i augusti."),
        ("Biträdande rektor 2: Det stämmer.", "Biträdande rektor 2", "Det stämmer."),
        ("[Anna Berg]: Hello there.", "Anna Berg", "Hello there."),
        ("**Lärare 3:** Inte riktigt.", "Lärare 3", "Inte riktigt."),
        ("**Lärare 3**: Inte riktigt.", "Lärare 3", "Inte riktigt."),
        ("Dr. Smith: Thanks.", "Dr. Smith", "Thanks."),
        ("SPEAKER_01: Right.", "SPEAKER_01", "Right."),
        ("A: Yes.", "A", "Yes."),
        ("  Intervjuare:   Indraget.  ", "Intervjuare", "Indraget."),
    ],
)
def test_label_conventions(line: str, speaker: str, utterance: str) -> None:
    text = f"{line}\n\nIntervjuare: Nästa.\n"
    turns = detect_turns(text)
    assert (turns[0].speaker, text[turns[0].start:turns[0].end]) == (speaker, utterance)


@pytest.mark.parametrize(
    "text",
    [
        "Klockan 10:30 kom rektorn in.",
        "Det var så här: ingen visste något.",
        "Hon sa: det går inte.",
        "Then he said: no way.",
        "I think: maybe not.",
        "Note: this part was inaudible.",
        "Obs: ljudet bröts här.",
        "kommunen: här fanns inget stöd.",
        "Vi hade tre mål med detta: tid, tillit och data.",
        "Se https://example.org/a:b för mer.",
        "Skolverket (2020) beskriver processen.",
        "Punkt) en lista utan nummer.",
    ],
)
def test_no_false_positive_labels(text: str) -> None:
    assert detect_turns(text) == ()


def test_text_without_labels_has_no_turns() -> None:
    assert detect_turns("Bara en anteckning.\n\nOch en till.\n") == ()


def test_label_alone_on_its_line_starts_the_turn_below() -> None:
    text = "Intervjuare:\nHur gick det?\n\nRektor:\n\nBra.\n"
    assert [(t.speaker, text[t.start:t.end]) for t in detect_turns(text)] == [
        ("Intervjuare", "Hur gick det?"), ("Rektor", "Bra.")]


def test_label_without_utterance_gives_no_turn() -> None:
    text = "Intervjuare:\nRektor: Ja.\n"
    assert [(t.speaker, text[t.start:t.end]) for t in detect_turns(text)] == [("Rektor", "Ja.")]


# ---------------------------------------------------------------- speaker maps


def test_speaker_map_values_become_strings(tmp_path: Path) -> None:
    path = write(tmp_path, "speakers.yaml", """\
speakers:
  Intervjuare: {role: forskare, level: university}
  Rektor:
    role: rektor
    level: school
    years: 12
    active: true
  Lärare 1:
""")
    assert load_speaker_map(path) == {
        "Intervjuare": {"role": "forskare", "level": "university"},
        "Rektor": {"role": "rektor", "level": "school", "years": "12", "active": "true"},
        "Lärare 1": {},
    }


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("speakers:\n  Rektor: {role: rektor\n  Lärare: {}\n", 3),
        ("people:\n  Rektor: {}\n", 1),
        ("speakers:\n  - Rektor\n", 2),
        ("speakers:\n  Rektor: {}\n  Lärare: rektor\n", 3),
        ("speakers:\n  Rektor: {}\n  Rektor: {role: x}\n", 3),
        ("speakers:\n  Rektor:\n    role: {a: b}\n", 3),
    ],
)
def test_bad_speaker_map_names_the_line(tmp_path: Path, content: str, line: int) -> None:
    path = write(tmp_path, "speakers.yaml", content)
    with pytest.raises(SourceFileError) as caught:
        load_speaker_map(path)
    assert f"speakers.yaml:{line}:" in caught.value.message


def test_speaker_map_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="cannot read"):
        load_speaker_map(tmp_path / "saknas.yaml")


def test_speaker_map_naming_unknown_speakers_is_refused() -> None:
    speaker_map = {"Intervjuare": {}, "Rektorn": {"role": "rektor"}, "Vaktmästare": {}}
    with pytest.raises(SourceFileError) as caught:
        check_known(speaker_map, {"Intervjuare", "Rektor", "Lärare 1"}, "speakers.yaml")
    assert "Rektorn" in caught.value.message and "Vaktmästare" in caught.value.message
    assert "Intervjuare," not in caught.value.message
    assert caught.value.hint is not None and "'Rektorn' -> 'Rektor'" in caught.value.hint


def test_check_known_returns_unmapped_labels() -> None:
    speaker_map = {"Intervjuare": {}, "Rektor": {"role": "rektor"}}
    assert check_known(speaker_map, {"Intervjuare", "Rektor", "Lärare 1"}, "s.yaml") == {"Lärare 1"}


# ---------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (SWEDISH_TXT, "sv"),
        (ENGLISH_TXT, "en"),
        ("Vi gick dit och det var inte så bra.", "sv"),
        ("We went there and it was not that good.", "en"),
        ("Rektor: Skärgård.", "sv"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


# ---------------------------------------------------------------- segmentation


def test_sentences_stay_inside_turns(sv: Segmenter) -> None:
    text = SWEDISH_TXT
    turns = detect_turns(text)
    sentences = sv.sentences(text, turns)
    pieces = [(text[s:e], i) for s, e, i in sentences]
    assert pieces[0] == ("Intervju med rektor på Hamnskolan, mars 2025.", None)
    assert ("Alltså, det var i augusti.", 1) in pieces
    assert ("Jag minns att det var rörigt.", 2) in pieces
    assert ("Och sen då?", 3) in pieces
    assert all("Intervjuare:" not in piece for piece, _ in pieces)


def test_paragraphs_inside_turns_and_without_turns(sv: Segmenter) -> None:
    text = "Rektor: Första stycket.\n\nAndra stycket.\n\n\nIntervjuare: Ja.\n"
    turns = detect_turns(text)
    assert [(text[s:e], i) for s, e, i in sv.paragraphs(text, turns)] == [
        ("Första stycket.", 0), ("Andra stycket.", 0), ("Ja.", 1)]
    plain = "  Ett stycke. Två meningar.\n \nEtt till.\n"
    assert [(plain[s:e], i) for s, e, i in sv.paragraphs(plain, ())] == [
        ("Ett stycke. Två meningar.", None), ("Ett till.", None)]
    assert [plain[s:e] for s, e, _ in sv.sentences(plain, ())] == [
        "Ett stycke.", "Två meningar.", "Ett till."]


def test_segmenter_handles_empty_and_very_long_texts(en: Segmenter) -> None:
    assert en.sentences("", ()) == [] and en.paragraphs("   \n\n ", ()) == []
    long_text = "This is one sentence in a long paragraph. " * 30_000  # about 1.3 million characters
    sentences = en.sentences(long_text, ())
    assert len(sentences) == 30_000
    assert long_text[sentences[-1][0]:sentences[-1][1]] == "This is one sentence in a long paragraph."


def _sentences_by_the_pipeline(segmenter: Segmenter, text: str, turns) -> list[tuple[int, int, int | None]]:
    """Sentences as spaCy's pipeline with its ``sentencizer`` component marks them."""
    found = []
    paragraphs = segmenter.paragraphs(text, turns)
    docs = segmenter._nlp.pipe(text[start:end] for start, end, _ in paragraphs)
    for (offset, end, turn_index), doc in zip(paragraphs, docs, strict=True):
        starts = [sentence.start_char for sentence in doc.sents]
        for left, right in zip(starts, [*starts[1:], end - offset], strict=True):
            piece = text[offset + left:offset + right]
            start = offset + left + len(piece) - len(piece.lstrip())
            stop = offset + left + len(piece.rstrip())
            if start < stop:
                found.append((start, stop, turn_index))
    return found


_SENTENCE_PIECES = st.sampled_from([
    "Hej", "då", "skolan", "Rektor", "e.g", "t.ex.", "3.5", "...", ".", "?", "!", "?!", "。", "»", "«", "\"",
    "(", ")", ",", ";", ":", "-", "–", " ", "  ", "\n", "\n\n", "\t", "Ja.", "Nej!", "Va?", "ok.Nästa", "x.y.z",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_SENTENCE_PIECES, max_size=40), language=st.sampled_from(["sv", "en"]))
def test_sentences_are_the_sentencizers(pieces: list[str], language: str) -> None:
    """The sentencizer's rule, applied to the tokenizer's arrays, marks the sentences
    that running the component does, on punctuation-heavy text."""
    segmenter = Segmenter(language)
    text = "".join(pieces)
    assert segmenter.sentences(text, ()) == _sentences_by_the_pipeline(segmenter, text, ())


def test_sentences_are_the_sentencizers_on_the_demo_corpus(sv: Segmenter) -> None:
    for path in sorted(Path("corpora").rglob("*.md"))[:8]:
        document = read_source(path)
        assert sv.sentences(document.text, document.turns) == _sentences_by_the_pipeline(
            sv, document.text, document.turns)


def test_unsupported_segmentation_language() -> None:
    with pytest.raises(SourceFileError, match="not supported"):
        Segmenter("xx-nonexistent")


# ---------------------------------------------------------------- properties

LABELS = ["Intervjuare", "Rektor", "Biträdande rektor 2", "Lärare 1", "I", "R1", "Interviewer",
          "Anna Berg"]
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöéABCDEFGHÅÄÖ0123456789-'", min_size=1,
               max_size=9)
SENTENCE = st.builds(
    lambda words, end, clock: " ".join(words) + (" klockan 10:30" if clock else "") + end,
    st.lists(WORD, min_size=1, max_size=8), st.sampled_from([".", "!", "?", "", "...", ","]),
    st.booleans())
# A chunk is what one subtitle cue holds; a turn is one or more chunks.
TURN = st.tuples(st.sampled_from(LABELS), st.lists(
    st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=3))
TRANSCRIPT = st.lists(TURN, min_size=1, max_size=8)


def _txt(turns: list[tuple[str, list[str]]], style: str) -> str:
    lines = []
    for label, chunks in turns:
        marker = {"plain": f"{label}: ", "bold": f"**{label}:** ", "bracket": f"[{label}]: ",
                  "paren": f"{label}) " if label[-1].isdigit() else f"{label}: "}[style]
        lines.append(marker + " ".join(chunks))
    return "\n\n".join(lines) + "\n"


def _vtt(turns: list[tuple[str, list[str]]]) -> str:
    cues, second = ["WEBVTT", ""], 0
    for n, (label, chunks) in enumerate(turns):
        for chunk in chunks:
            cues += [f"cue-{n}-{second}", f"00:00:{second:02d}.000 --> 00:00:{second + 1:02d}.500",
                     f"<v {label}>{chunk}</v>", ""]
            second += 2
    return "\n".join(cues)


def _srt(turns: list[tuple[str, list[str]]]) -> str:
    blocks, n = [], 0
    for label, chunks in turns:
        for chunk in chunks:
            n += 1
            blocks.append(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\n{label}: {chunk}\n")
    return "\n".join(blocks)


def _merged(turns: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for label, chunks in turns:
        text = " ".join(chunks)
        if merged and merged[-1][0] == label:
            merged[-1] = (label, f"{merged[-1][1]} {text}")
        else:
            merged.append((label, text))
    return merged


def _check_segments(document: ParsedDocument, segmenter: Segmenter) -> None:
    text, turns = document.text, document.turns
    for kind in (segmenter.sentences, segmenter.paragraphs):
        for start, end, index in kind(text, turns):
            assert 0 <= start < end <= len(text)
            assert text[start:end] == text[start:end].strip()
            for i, turn in enumerate(turns):
                inside = turn.start <= start and end <= turn.end
                disjoint = end <= turn.start or turn.end <= start
                assert inside if i == index else disjoint


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(transcript=TRANSCRIPT, fmt=st.sampled_from(["txt", "md", "docx", "vtt", "srt"]),
       style=st.sampled_from(["plain", "bold", "bracket", "paren"]), crlf=st.booleans())
def test_turns_and_segments_match_the_text(tmp_path: Path, sv: Segmenter, transcript, fmt: str,
                                           style: str, crlf: bool) -> None:
    if fmt == "txt":
        raw = _txt(transcript, style).encode("utf-8")
    elif fmt == "md":
        raw = ("---\ntitle: Genererad\nlanguage: sv\n---\n\n" + _txt(transcript, style)).encode("utf-8")
    elif fmt == "docx":
        raw = make_docx(_txt(transcript, "plain").split("\n\n"))
    elif fmt == "vtt":
        raw = _vtt(transcript).encode("utf-8")
    else:
        raw = _srt(transcript).encode("utf-8")
    if crlf and fmt != "docx":
        raw = raw.replace(b"\n", b"\r\n")
    document = read_source(write(tmp_path, f"generated.{fmt}", raw))

    expected = (_merged(transcript) if fmt in ("vtt", "srt")
                else [(label, " ".join(chunks)) for label, chunks in transcript])
    assert spoken(document) == expected
    for turn in document.turns:
        assert 0 <= turn.start < turn.end <= len(document.text)
        assert "\r" not in document.text
        if fmt in ("vtt", "srt"):
            assert turn.start_time is not None and turn.end_time is not None
            assert turn.start_time < turn.end_time
    _check_segments(document, sv)
