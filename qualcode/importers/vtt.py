"""WebVTT transcripts (.vtt), as Zoom, Teams and captioning tools write them.

Cues are read with their identifiers, settings, ``NOTE``/``STYLE``/``REGION``
blocks skipped. Timestamps are read in every form writers produce: the spec's
``00:01:02.500`` and ``01:02.500``, and Teams' unpadded ``0:0:0.0`` or ``0:1:2.57``.
A line with ``-->`` inside a cue's text starts a new cue, as the spec's parser does
(YouTube's automatic captions run cues together that way). The speaker of a cue
comes from a voice tag ``<v Name>`` (Teams writes these) or else from a ``Name:``
prefix (Zoom writes these) when the file supports it as a label (see
:func:`qualcode.importers.turns.supported_speakers`). Only real markup is stripped
(``<i>``, ``<b>``, ``<u>``, ``<s>``, ``<font ...>``, ``<c.x>``, ``<v ...>``,
``<lang>``, ``<ruby>``, karaoke timestamps): a ``<`` in the text, as in
``2 < 3``, stays. Character references are unescaped.

This module also owns how timed cues become a document, shared with .srt: cue text
is whitespace-collapsed, consecutive cues of one speaker are merged into one turn
(cues without a speaker are merged the same way, as a turn with no speaker), and
the stored text has one line per turn, ``Speaker: what was said``, with a blank line
between turns. Each turn's span covers what was said, not the label, and keeps the
first cue's start and the last cue's end in seconds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.model import ParsedDocument, ParsedTurn
from qualcode.errors import SourceFileError
from qualcode.importers.decoding import decode_bytes
from qualcode.importers.turns import match_label, supported_speakers

_SIGNATURE = re.compile(r"WEBVTT(?:[ \t].*)?")
_TIMING = re.compile(r"[ \t]*(?P<start>\S+)[ \t]+-->[ \t]+(?P<end>\S+)(?:[ \t].*)?")
# The spec's forms, and Teams' unpadded hours, minutes, seconds and fractions.
_TIMESTAMP = re.compile(r"(?:(?P<h>\d+):)?(?P<m>[0-5]?\d):(?P<s>[0-5]?\d)[.,](?P<frac>\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>")
# Markup that subtitle formats define; anything else between < and > is text.
_TAG = re.compile(r"</?(?:[ibus]|font|c|v|lang|ruby|rt)(?:[.\s][^<>]*)?>|<\d+(?::\d+)+(?:[.,]\d+)?>",
                  re.IGNORECASE)
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    """One timed piece of speech, after tags and labels are removed."""

    speaker: str | None
    text: str
    start: float
    end: float


def read(raw: bytes, path: Path) -> ParsedDocument:
    """Parse the bytes of a .vtt transcript."""
    text, encoding = decode_bytes(raw, path)
    return build_document(parse_cues(text, path), path, "vtt", encoding)


def parse_cues(text: str, path: Path | str) -> list[Cue]:
    """The cues of a WebVTT file, in order."""
    lines = text.split("\n")
    if not _SIGNATURE.fullmatch(lines[0].strip("\ufeff")):
        raise SourceFileError(f"{path}:1: a WebVTT file must start with 'WEBVTT'.",
                              "Check that this is a .vtt file; export the transcript again if not.")
    timed: list[tuple[list[str], float, float]] = []
    for first_line, block in line_blocks(lines):
        if first_line == 1:
            continue  # the header block, starting with WEBVTT
        head = block[0]
        if head.split(maxsplit=1)[0] in _SKIPPED_BLOCKS and "-->" not in head:
            continue
        if "-->" in head:
            timing_line, payload = first_line, block[1:]
        elif len(block) > 1 and "-->" in block[1]:
            timing_line, payload = first_line + 1, block[2:]
        else:
            raise SourceFileError(
                f"{path}:{first_line}: expected a cue timing line such as "
                "'00:00:01.000 --> 00:00:04.000'.",
                "Each cue is an optional id line, a timing line, then its text; cues are "
                "separated by a blank line.")
        for number, text_lines in _split_at_timings(timing_line, payload):
            start, end = parse_timing(lines[number - 1], number, path, parse_vtt_time,
                                      "00:01:02.500 --> 00:01:05.000")
            timed.append((text_lines, start, end))
    return resolve_speakers(timed, voices=True)


def _split_at_timings(timing_line: int, payload: list[str]) -> list[tuple[int, list[str]]]:
    """A block's cues: a ``-->`` line inside the text starts another cue (the spec's rule)."""
    cues = [(timing_line, [])]
    for offset, line in enumerate(payload, start=1):
        if "-->" in line:
            cues.append((timing_line + offset, []))
        else:
            cues[-1][1].append(line)
    return cues


def clean_line(line: str) -> str:
    """A text line without markup, references unescaped, white space collapsed."""
    return " ".join(html.unescape(_TAG.sub("", line)).split())


def resolve_speakers(timed: list[tuple[list[str], float, float]], *, voices: bool) -> list[Cue]:
    """Cues with speakers, labels taken only where the file's evidence supports them."""
    candidates = []
    opening: str | None = None
    for index, (payload, _, _) in enumerate(timed):
        for line in payload:
            if voices and _VOICE.search(line):
                continue
            label = match_label(clean_line(line))
            if label is not None:
                candidates.append(label.speaker)
                if index == 0 and opening is None:
                    opening = label.speaker
    accepted = supported_speakers(candidates, opening)
    cues: list[Cue] = []
    for payload, start, end in timed:
        cues.extend(split_speakers(payload, start, end, voices=voices, accepted=accepted))
    return cues


def parse_vtt_time(value: str) -> float | None:
    """Seconds for ``hh:mm:ss.ttt``, ``mm:ss.ttt`` or Teams' ``h:m:s.t``; None when malformed."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    hours = int(match["h"] or 0)
    return hours * 3600 + int(match["m"]) * 60 + int(match["s"]) + int(match["frac"]) / 10 ** len(match["frac"])


def split_speakers(payload: Iterable[str], start: float, end: float, *, voices: bool,
                   accepted: set[str] | None = None) -> list[Cue]:
    """A cue's text lines as pieces per speaker; a line without a speaker keeps the last one.

    ``accepted`` are the ``Name:`` labels the file supports; None accepts every label.
    """
    pieces: list[Cue] = []
    speaker: str | None = None
    for line in payload:
        if voices:
            voice = _VOICE.search(line)
            if voice is not None and voice["name"] and voice["name"].strip():
                speaker = " ".join(voice["name"].split())
        cleaned = clean_line(line)
        if not cleaned:
            continue
        label = match_label(cleaned)
        if label is not None and accepted is not None and label.speaker not in accepted:
            label = None
        if label is not None and (not voices or _VOICE.search(line) is None):
            speaker = label.speaker
            cleaned = cleaned[label.body_start:].strip()
            if not cleaned:
                continue
        if pieces and pieces[-1].speaker == speaker:
            pieces[-1] = Cue(speaker, f"{pieces[-1].text} {cleaned}", start, end)
        else:
            pieces.append(Cue(speaker, cleaned, start, end))
    return pieces


def build_document(cues: list[Cue], path: Path, format_name: str, encoding: str) -> ParsedDocument:
    """Merge runs of cues by one speaker into turns and render the document text."""
    if not cues:
        raise SourceFileError(f"{path}: the file has no cues with text.",
                              "Check that the transcript was exported with its text.")
    merged: list[Cue] = []
    for cue in cues:
        if merged and merged[-1].speaker == cue.speaker:
            last = merged[-1]
            merged[-1] = Cue(last.speaker, f"{last.text} {cue.text}", last.start, max(last.end, cue.end))
        else:
            merged.append(cue)
    parts: list[str] = []
    turns: list[ParsedTurn] = []
    length = 0
    for i, cue in enumerate(merged):
        prefix = ("\n\n" if i else "") + (f"{cue.speaker}: " if cue.speaker else "")
        start = length + len(prefix)
        parts.append(prefix + cue.text)
        length = start + len(cue.text)
        turns.append(ParsedTurn(cue.speaker, start, length, cue.start, cue.end))
    parts.append("\n")
    return ParsedDocument(
        name=path.stem,
        text="".join(parts),
        format=format_name,
        turns=tuple(turns),
        source_path=str(path),
        encoding=encoding,
    )


def line_blocks(lines: list[str]) -> Iterable[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 1-based number of their first line."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def parse_timing(line: str, number: int, path: Path | str,
                 parse_time: Callable[[str], float | None], example: str) -> tuple[float, float]:
    """``(start, end)`` in seconds of a ``start --> end`` line, or a SourceFileError."""
    match = _TIMING.fullmatch(line)
    start = parse_time(match["start"]) if match else None
    end = parse_time(match["end"]) if match else None
    if start is None or end is None:
        raise SourceFileError(f"{path}:{number}: malformed cue timing '{line.strip()}'.",
                              f"Timings look like '{example}'.")
    if end < start:
        raise SourceFileError(f"{path}:{number}: the cue ends before it starts ('{line.strip()}').",
                              "Correct the timing so the end comes after the start.")
    return start, end
