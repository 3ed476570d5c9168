"""How a REFI-QDA source's positions count its text, decided from the file's own evidence.

The standard says positions count Unicode code points of the plain text, but real
tools count differently: NVivo for Windows counts UTF-16 code units with ``\\r\\n``
as two, others count code points with ``\\r\\n`` as one, a few count UTF-8 bytes.
Guessing per vendor fails between versions, so each candidate counting is scored on
the selections themselves: a selection that starts and ends on a word or line
boundary under a counting is evidence for it, one that falls inside a character or
outside the text is evidence against it. The best-scoring counting wins; ties go to
the standard's reading. The result says how sure the choice is.

Conversion works on the raw text (as the tool saw it, ``\\r`` included) and gives
positions in qualcode's one definition: code points of the stored text, whose line
ends are ``\\n``. Only characters on which countings differ (``\\r\\n``, characters
outside the Basic Multilingual Plane, non-ASCII characters) are looked at, found by
regular expressions, so a source without any costs next to nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

# Scoring looks at this many selections per source at most (spread over the source).
SAMPLE = 400
_CRLF = re.compile("\r\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


@dataclass(frozen=True)
class Counting:
    """One way of counting positions."""

    key: str
    unit: str  # "code points" | "UTF-16 code units" | "UTF-8 bytes"
    crlf_as_one: bool

    def describe(self, crlf: bool = True) -> str:
        """In words; ``crlf=False`` for texts without ``\\r\\n``, where line breaks do not matter."""
        if not crlf:
            return self.unit
        line = "a line break (\\r\\n) as one" if self.crlf_as_one else "a line break (\\r\\n) as two"
        return f"{self.unit}, {line}"


# In order of preference when the evidence does not tell them apart.
CANDIDATES = (
    Counting("code-points", "code points", False),
    Counting("code-points-lf", "code points", True),
    Counting("utf-16", "UTF-16 code units", False),
    Counting("utf-16-lf", "UTF-16 code units", True),
    Counting("utf-8", "UTF-8 bytes", False),
    Counting("utf-8-lf", "UTF-8 bytes", True),
)
BY_KEY = {c.key: c for c in CANDIDATES}


class PositionMap:
    """Raw positions under one counting -> code points of the stored (``\\n``) text.

    ``starts`` are the unit offsets where each special character (one whose width in
    this counting is not 1) begins, ``extra`` the running sum of the widths beyond 1
    up to and including it; ``crs`` are the raw code point indices of each ``\\r`` of a
    ``\\r\\n``, which the stored text drops.
    """

    def __init__(self, raw: str, counting: Counting, crs: list[int]) -> None:
        specials: list[tuple[int, int]] = []  # (raw code point index, width - 1)
        if counting.crlf_as_one:
            specials.extend((i, -1) for i in crs)
        if counting.unit == "UTF-16 code units":
            specials.extend((m.start(), 1) for m in _ASTRAL.finditer(raw))
        elif counting.unit == "UTF-8 bytes":
            specials.extend((m.start(), len(m.group().encode("utf-8")) - 1) for m in _NON_ASCII.finditer(raw))
        specials.sort()
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.extra: list[int] = []
        total = 0
        for index, width in specials:
            unit = index + total
            self.starts.append(unit)
            total += width
            self.extra.append(total)
            self.ends.append(index + 1 + total)
        self.crs = crs
        self.length = len(raw) + total
        self.stored_length = len(raw) - len(crs)

    def to_stored(self, unit: int) -> int | None:
        """The stored position of a raw unit offset; None inside a character or outside."""
        if not 0 <= unit <= self.length:
            return None
        k = bisect_right(self.starts, unit)  # specials that start at or before ``unit``
        if k and unit < self.ends[k - 1]:
            if unit != self.starts[k - 1]:
                return None  # inside a multi-unit character
            k -= 1
        raw = unit - (self.extra[k - 1] if k else 0)
        return raw - bisect_left(self.crs, raw)


@dataclass(frozen=True)
class Score:
    """How well one counting explains a source's (sampled) selections."""

    counting: Counting
    bounded: int  # start and end on a word or line boundary
    valid: int  # inside the text, on character boundaries, not empty
    sampled: int
    reading: int = 0  # hash of where the sampled selections land: equal means read alike
    named: int = 0  # selections whose name (QualCoder writes the coded text there) is the text read


@dataclass(frozen=True)
class Decision:
    """The counting chosen for a file or source, and how sure the choice is."""

    counting: Counting
    confidence: str  # "certain" | "high" | "medium" | "low"
    scores: tuple[Score, ...]
    distinguishable: bool  # whether any candidate read the selections differently
    crlf: bool = True  # whether the texts have \r\n at all

    def explain(self) -> str:
        best = self.scores[0] if self.scores else None
        text = f"positions read as {self.counting.describe(self.crlf)}"
        if not self.distinguishable or best is None:
            return text + " (every counting reads these selections alike)"
        rival = next((s for s in self.scores[1:] if s.reading != best.reading), None)
        text += (f": {best.bounded} of {best.sampled} sampled selections start and end on word "
                 f"boundaries")
        if best.named:
            text += f", {best.named} have the text read as their name"
        if rival is not None:
            text += f" (next best, {rival.counting.describe(self.crlf)}: {rival.bounded})"
        return f"{text}; confidence {self.confidence}"


def _boundary(text: str, position: int) -> bool:
    if position <= 0 or position >= len(text):
        return True
    return not (text[position - 1].isalnum() and text[position].isalnum())


def crlf_positions(raw: str) -> list[int]:
    return [m.start() for m in _CRLF.finditer(raw)] if "\r\n" in raw else []


def distinct_candidates(raw: str) -> list[Counting]:
    """Candidates that can read this text differently (the others collapse onto them)."""
    has_crlf = "\r\n" in raw
    has_astral = _ASTRAL.search(raw) is not None
    has_non_ascii = has_astral or _NON_ASCII.search(raw) is not None
    chosen = []
    for counting in CANDIDATES:
        if counting.crlf_as_one and not has_crlf:
            continue
        if counting.unit == "UTF-16 code units" and not has_astral:
            continue
        if counting.unit == "UTF-8 bytes" and not has_non_ascii:
            continue
        chosen.append(counting)
    return chosen


def score(raw: str, stored: str, bounds: list[tuple[int, int]], crs: list[int],
          candidates: list[Counting], names: list[str | None] | None = None) -> list[Score]:
    """Each candidate's score on an evenly spread sample of ``bounds``.

    ``names`` are the selections' names, where a tool writes the coded text there; a
    name equal to the text a counting reads is the strongest evidence there is.
    """
    step = max(1, len(bounds) // SAMPLE)
    picked = range(0, len(bounds), step)[:SAMPLE]
    sample = [bounds[i] for i in picked]
    sample_names = [names[i] for i in picked] if names else [None] * len(sample)
    scores = []
    for counting in candidates:
        mapping = PositionMap(raw, counting, crs)
        bounded = valid = named = 0
        landed = []
        for (start, end), name in zip(sample, sample_names, strict=True):
            s, e = mapping.to_stored(start), mapping.to_stored(end)
            landed.append((s, e))
            if s is None or e is None or s >= e:
                continue
            valid += 1
            bounded += _boundary(stored, s) and _boundary(stored, e)
            named += bool(name) and " ".join(stored[s:e].split()) == name
        scores.append(Score(counting, bounded, valid, len(sample), hash(tuple(landed)), named))
    return scores


def decide(scores: list[Score], distinguishable: bool) -> Decision:
    """The best counting of summed scores: most valid, then most names matched, then most
    bounded, then preference."""
    order = {c.key: i for i, c in enumerate(CANDIDATES)}
    ranked = sorted(scores, key=lambda s: (-s.valid, -s.named, -s.bounded, order[s.counting.key]))
    if not ranked:
        return Decision(CANDIDATES[0], "certain", (), False)
    best = ranked[0]
    rival = next((s for s in ranked[1:] if s.reading != best.reading), None)
    if not distinguishable or rival is None:
        return Decision(best.counting, "certain", tuple(ranked), False)
    share = best.bounded / best.sampled if best.sampled else 0.0
    margin = (best.valid + best.bounded - rival.valid - rival.bounded) / best.sampled if rival and best.sampled else 1.0
    names_agree = best.named >= 3 and best.named >= 0.8 * best.sampled and rival.named < best.named
    if names_agree or (best.sampled >= 20 and share >= 0.8 and margin >= 0.3):
        confidence = "high"
    elif best.sampled >= 5 and share >= 0.6 and margin >= 0.1:
        confidence = "medium"
    else:
        confidence = "low"
    return Decision(best.counting, confidence, tuple(ranked), True)


def merge(per_source: list[list[Score]]) -> list[Score]:
    """Scores of several sources summed per counting (candidates absent count as alike)."""
    totals: dict[str, list[int]] = {}
    for scores in per_source:
        present = {s.counting.key: s for s in scores}
        for counting in CANDIDATES:
            own = present.get(counting.key) or _collapsed(counting, present)
            if own is None:
                continue
            entry = totals.setdefault(counting.key, [0, 0, 0, 0, 0])
            entry[0] += own.bounded
            entry[1] += own.valid
            entry[2] += own.sampled
            entry[3] = hash((entry[3], own.reading))
            entry[4] += own.named
    return [Score(BY_KEY[k], b, v, n, r, m) for k, (b, v, n, r, m) in totals.items()]


def _collapsed(counting: Counting, present: dict[str, Score]) -> Score | None:
    """The score of the candidate this counting coincides with on a source."""
    fallbacks = {
        "code-points-lf": ["code-points"],
        "utf-16": ["code-points"],
        "utf-16-lf": ["code-points-lf", "code-points"],
        "utf-8": ["code-points"],
        "utf-8-lf": ["code-points-lf", "code-points"],
    }
    for key in fallbacks.get(counting.key, []):
        if key in present:
            return present[key]
    return None
