"""Laying a transcript out as screen lines, and finding offsets on them.

Pure Python (no Textual): the reader widget draws what this computes. Each turn gets a
header line with the speaker and role, then its text wrapped at word boundaries, then
a blank line. Every text line knows the ``[start, end)`` offsets of the document text it
shows, so selections, codings and the cursor map to lines by bisection.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

from qualcode.services.workbench import OpenDocument

LineKind = Literal["header", "text", "blank"]


@dataclass(frozen=True)
class Line:
    kind: LineKind
    start: int  # document offset of the first character shown (text lines)
    end: int
    text: str
    turn: int | None = None


@dataclass(frozen=True)
class TextLayout:
    lines: list[Line]
    width: int

    def __post_init__(self) -> None:
        text_lines = [i for i, line in enumerate(self.lines) if line.kind == "text"]
        object.__setattr__(self, "_text_lines", text_lines)
        object.__setattr__(self, "_starts", [self.lines[i].start for i in text_lines])

    def line_of(self, offset: int) -> int:
        """The index of the screen line showing ``offset`` (the nearest text line)."""
        starts: list[int] = self._starts  # type: ignore[attr-defined]
        if not starts:
            return 0
        position = max(bisect_right(starts, offset) - 1, 0)
        return self._text_lines[position]  # type: ignore[attr-defined,no-any-return]

    def lines_between(self, start: int, end: int) -> range:
        """Screen lines that show any character of ``[start, end)``."""
        return range(self.line_of(start), self.line_of(max(end - 1, start)) + 1)


def header_for(document: OpenDocument, turn_index: int) -> str:
    turn = document.turns[turn_index]
    label = turn.speaker_label or "(no speaker)"
    speaker = document.speakers.get(turn.speaker_id) if turn.speaker_id else None
    role = speaker.role if speaker and speaker.role and speaker.role.lower() != label.lower() else None
    stamp = ""
    if turn.start_time is not None:
        minutes, seconds = divmod(int(turn.start_time), 60)
        stamp = f"  [{minutes:02d}:{seconds:02d}]"
    return f"{label}" + (f" ({role})" if role else "") + stamp


def wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into lines of at most ``width`` characters at spaces.

    Newlines end a line; a word longer than the width is cut. Spaces at a break belong
    to no line, so every returned span starts with a visible character.
    """
    width = max(width, 8)
    spans: list[tuple[int, int]] = []
    for piece_start, piece_end in _hard_lines(text, start, end):
        position = piece_start
        while position < piece_end:
            while position < piece_end and text[position] == " ":
                position += 1
            if position >= piece_end:
                break
            limit = position + width
            if limit >= piece_end:
                spans.append((position, piece_end))
                break
            cut = text.rfind(" ", position + 1, limit + 1)
            if cut <= position:
                cut = limit
            spans.append((position, cut))
            position = cut
    return spans


def _hard_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    result = []
    position = start
    while position <= end:
        newline = text.find("\n", position, end)
        if newline == -1:
            result.append((position, end))
            break
        result.append((position, newline))
        position = newline + 1
    return [(s, e) for s, e in result if e > s]


def lay_out(document: OpenDocument, width: int) -> TextLayout:
    lines: list[Line] = []
    text = document.text
    regions: list[tuple[int, int, int | None]] = [(t.start, t.end, i) for i, t in enumerate(document.turns)]
    if not regions:
        regions = [(0, len(text), None)]
    elif document.turns[0].start > 0 and text[:document.turns[0].start].strip():
        first_label = text.rfind("\n", 0, document.turns[0].start)
        if first_label > 0:
            regions.insert(0, (0, first_label, None))
    for start, end, turn in regions:
        if turn is not None:
            lines.append(Line("header", start, start, header_for(document, turn), turn))
        for line_start, line_end in wrap(text, start, end, width):
            lines.append(Line("text", line_start, line_end, text[line_start:line_end], turn))
        lines.append(Line("blank", end, end, "", turn))
    return TextLayout(lines, width)
