"""Finding speaker turns in transcript text.

Transcribers mark who speaks with a label at the start of a line: ``Intervjuare:``,
``I:``, ``R1:``, ``Rektor 1)``, ``[Anna]:`` or, in markdown, ``**Anna:**``. This
module owns that recognition, shared by every importer, so a transcript gets the
same turns whether it arrived as .txt, .md or .docx, and the speaker prefix of a
subtitle cue is read the same way.

A label is one to four words; the first starts with a capital letter (``I``,
``R1`` and ``IP2`` qualify), or a comma follows its first word (``lärare, Skola 3``). Lines that merely contain a colon are not labels: the
colon must be followed by a space or the end of the line (so ``Klockan 10:30`` is
not one), and labels holding common function words or speech verbs (``Det var så
här:``, ``Hon sa:``, ``Note:``) are refused.

A line that looks like a label is still only evidence: prose in any language has
colons (``Digo: ...``, ``J'ai dit: ...``, ``Règle numéro un: ...``). A file's labels
are taken as speakers only when the file supports them (:func:`supported_speakers`):
each is name- or role-like (every word capitalised, a number or a short code, or a
role numbered at its end; a role in lower-case words such as ``Head teacher`` only
when it recurs), and one of them recurs, or there are at least two different ones, or
the one label opens the text (at most a title before it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from qualcode.core.model import ParsedTurn

_WORD = r"[^\W_][\w.'’\-]*,?"  # "lärare, Skola 3": a comma may end a word of a label
_LABEL = rf"{_WORD}(?:[ \t]+{_WORD}){{0,3}}"
_LABEL_LINE = re.compile(
    rf"""^[ \t]*
    (?:
        \*\*(?P<bold>{_LABEL})[ \t]*(?::\*\*|\*\*[ \t]*:)   # **Anna:**  or  **Anna**:
      | \[(?P<bracket>{_LABEL})\][ \t]*:                   # [Anna]:
      | (?P<plain>{_LABEL})[ \t]?:                         # Anna:
      | (?P<numbered>{_LABEL})\)                           # Rektor 1)
    )
    (?=[ \t]|$)
    """,
    re.MULTILINE | re.VERBOSE,
)

# Words that show a line is prose with a colon, not a speaker label.
_STOP_WORDS_TEXT = """
    det den de dem dom detta denna dessa var är vara varit blir blev så här där och
    men eller att som jag du han hon vi ni man sa sade säger sagt frågade frågar svarade
    svarar tänkte tänker tycker skrev om på för med av till från när då vad hur varför
    vilken vilket vilka också bara alltså liksom nu sen sedan kanske inte ju väl typ
    min mitt mina vår vårt våra din ditt sin sitt sina hans hennes deras dess följande
    exempel obs notera anm anmärkning ps ett en ingen inget något några alla allt
    the a an and but or so then this that these those it its is was were are be been
    being he she we they you me my our your their his her said says asked asks answered
    replied replies thought think wrote writes of to in on at for with from by as if
    when what how why which note example following here there not no yes all some
    """
_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class LabelMatch:
    """A speaker label found at the start of a line."""

    speaker: str
    line_start: int  # where the label's line begins
    body_start: int  # first position after the label and its marker


def match_label(line: str) -> LabelMatch | None:
    """The speaker label at the start of ``line``, if it has one."""
    match = _LABEL_LINE.match(line)
    if match is None:
        return None
    return _accept(match)


def find_labels(text: str) -> list[LabelMatch]:
    """Every accepted speaker label in ``text``, in order."""
    return list(iter_labels(text))


def iter_labels(text: str) -> Iterator[LabelMatch]:
    """:func:`find_labels` one at a time."""
    for match in _LABEL_LINE.finditer(text):
        accepted = _accept(match)
        if accepted is not None:
            yield accepted


def name_like(label: str) -> bool:
    """Whether a label reads as a name or a role: every word capitalised, a number or a
    code (``Anna Berg``, ``R1``), or a role numbered at its end (``Biträdande rektor 2``)."""
    words = label.split()
    if len(words) > 3 or len(label) > 40:
        return False
    if all(word[0].isupper() or word[0].isdigit() for word in words):
        return True
    return words[0][0].isupper() and any(ch.isdigit() for ch in words[-1])


# Labels of the speaker map in use: an import sets them around its parsing, so every
# importer's label detection accepts them without threading them through each reader.
_KNOWN: ContextVar[frozenset[str]] = ContextVar("known_speakers", default=frozenset())


@contextmanager
def known_speakers(labels: Iterable[str]) -> Iterator[None]:
    """Within the block, the given labels are speakers whatever the file's evidence."""
    token = _KNOWN.set(frozenset(labels))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def role_like(label: str) -> bool:
    """Weaker than :func:`name_like`: a capitalised role of up to three words (``Head
    teacher``), with no elided word (``J'ai dit``) in it."""
    words = label.split()
    return len(words) <= 3 and len(label) <= 40 and words[0][0].isupper() and \
        not any(mark in label for mark in "'’")


# A role qualified by where its speaker works ("lärare, Skola 3"): a label, however lower-case.
_QUALIFIED = re.compile(r"^[^\W\d_][\w'’\-]*, +[^\W\d_a-zåäö]")


def supported_speakers(labels: Iterable[str], opening: str | None = None) -> set[str]:
    """The labels a file's own evidence supports as speakers (see the module docstring).

    ``opening`` is the label the text starts with, if any. A role in lower-case words
    (``Head teacher``) needs more evidence than a name: it must recur three times, or
    twice beside a name-like label.
    """
    counts = Counter(labels)
    strong = {label for label in counts if name_like(label) or _QUALIFIED.match(label)}
    weak = {label for label in counts if label not in strong and role_like(label)
            and (counts[label] >= 3 or (counts[label] >= 2 and strong))}
    likely = strong | weak
    known = {label for label in counts if label in _KNOWN.get()}
    if len(likely) >= 2 or any(counts[label] >= 2 for label in likely) or opening in likely:
        return likely | known
    return known


def detect_turns(text: str) -> tuple[ParsedTurn, ...]:
    """Speaker turns of ``text``; each span is the utterance only, trimmed.

    A turn lasts from its label to the line of the next label; a label with
    nothing after it before the next label gives no turn. Text without labels the
    file supports (:func:`supported_speakers`) has no turns.
    """
    # Two passes over the labels instead of a list of them: a transcript of 50 MB has
    # hundreds of thousands, and the list cost more memory than its text. The first
    # counts them, the second makes the turns of the accepted ones.
    counts: Counter[str] = Counter()
    first: LabelMatch | None = None
    for label in iter_labels(text):
        first = first or label
        counts[label.speaker] += 1
    if first is None:
        return ()
    # A label "opens" the text when at most a title line comes before it.
    before = text[:first.line_start].split("\n")
    opening = first.speaker if sum(1 for line in before if line.strip()) <= 1 else None
    accepted = supported_speakers(counts.elements(), opening)
    if not accepted:
        return ()
    names = {label: label for label in accepted}  # one string per speaker, shared by its turns
    turns = []
    previous: LabelMatch | None = None
    for label in iter_labels(text):
        if label.speaker not in accepted:
            continue
        if previous is not None:
            _add_turn(turns, text, previous, label.line_start, names)
        previous = label
    if previous is not None:
        _add_turn(turns, text, previous, len(text), names)
    return tuple(turns)


def _add_turn(turns: list[ParsedTurn], text: str, label: LabelMatch, limit: int, names: dict[str, str]) -> None:
    start, end = strip_span(text, label.body_start, limit)
    if start < end:
        turns.append(ParsedTurn(names[label.speaker], start, end))


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` narrowed so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _accept(match: re.Match[str]) -> LabelMatch | None:
    kind = match.lastgroup
    raw = match.group(kind) if kind else None
    if raw is None:
        return None
    words = raw.split()
    if not words[0][0].isupper() and "," not in raw:
        return None  # lower case only with a qualifier after a comma: "lärare, Skola 3"
    if kind == "numbered" and not raw[-1].isdigit():
        return None
    if len(words) > 1 and words[0] == "I":
        return None  # "I think: ..." is a sentence, "I:" alone is a label
    for word in words:
        if word.isupper() and len(word) <= 3:
            continue  # codes such as I, A, Q, IP, R1
        if word.lower().strip(".'’-") in _STOP_WORDS:
            return None
    return LabelMatch(" ".join(words), match.start(), match.end())
