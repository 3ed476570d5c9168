"""SubRip subtitles (.srt) used as transcripts.

A cue is a number, a timing line ``00:00:01,000 --> 00:00:04,000`` and text lines;
cues are separated by blank lines. The speaker comes from a ``Name:`` prefix on a
line when the file supports it as a label. Formatting tags (``<i>``, ``<b>``, ``<u>``,
``<font ...>``) and positioning codes (``{\\an8}``) are stripped; any other ``<`` is
text. Hours, minutes and seconds may be written without padding. Turns and text are built as for WebVTT: runs of
cues by one speaker become one turn that keeps its start and end time.
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.core.model import ParsedDocument
from qualcode.errors import SourceFileError
from qualcode.importers.decoding import decode_bytes
from qualcode.importers.vtt import (
    Cue,
    build_document,
    line_blocks,
    parse_timing,
    resolve_speakers,
)

_TIMESTAMP = re.compile(r"(?P<h>\d+):(?P<m>[0-5]?\d):(?P<s>[0-5]?\d)[,.](?P<ms>\d{1,3})")
_POSITION_CODE = re.compile(r"\{\\[^}]*\}")


def read(raw: bytes, path: Path) -> ParsedDocument:
    """Parse the bytes of a .srt transcript."""
    text, encoding = decode_bytes(raw, path)
    return build_document(parse_cues(text, path), path, "srt", encoding)


def parse_cues(text: str, path: Path | str) -> list[Cue]:
    """The cues of a SubRip file, in order."""
    timed: list[tuple[list[str], float, float]] = []
    for first_line, block in line_blocks(text.split("\n")):
        if "-->" in block[0]:
            timing_line, payload = first_line, block[1:]
        elif block[0].strip().isdigit() and len(block) > 1 and "-->" in block[1]:
            timing_line, payload = first_line + 1, block[2:]
        else:
            raise SourceFileError(
                f"{path}:{first_line}: expected a subtitle number and a timing line such as "
                "'00:00:01,000 --> 00:00:04,000'.",
                "Each cue is a number, a timing line, then its text; cues are separated by "
                "one blank line and the text itself may not contain blank lines.")
        start, end = parse_timing(block[timing_line - first_line], timing_line, path,
                                  parse_srt_time, "00:01:02,500 --> 00:01:05,000")
        timed.append(([_POSITION_CODE.sub("", line) for line in payload], start, end))
    return resolve_speakers(timed, voices=False)


def parse_srt_time(value: str) -> float | None:
    """Seconds for ``hh:mm:ss,mmm``; None when malformed."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    millis = int(match["ms"].ljust(3, "0"))  # ",5" is half a second
    return int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"]) + millis / 1000
