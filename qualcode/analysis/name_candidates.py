"""Names a pseudonym table should cover, proposed from a corpus's text.

Pure: texts, speaker labels and a test for known words go in, candidates come out. The
rules, each a ``kind``:

- ``speaker``: a transcript's speaker label that is a name rather than a role ("Anna
  Berg:", not "Rektor:" or "Lärare 2:"): none of its words is a known word.
- ``school``: a capitalised word ending in -skolan, -skola or -gymnasiet ("Björkskolan").
- ``municipality``: a capitalised genitive before "kommun" ("Sjöviks kommun"); the name
  without its genitive ("Sjövik") is proposed as well.
- ``email``, ``phone`` (Swedish numbers, 0 or +46 first, 8 to 10 digits after it) and
  ``personal-number`` (a Swedish personal identity number whose check digit is right
  by the Luhn rule, so that dates and other numbers are not proposed).
- ``name``: a capitalised word that does not begin a sentence or a turn, is not
  written all in capitals (an abbreviation: SBS, APT) and is not a known word of the
  language, nor its genitive.

A word and its genitive (-s) are one candidate, the genitive listed among its forms.
Each candidate carries how often it occurs and one line of context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("speaker", "school", "municipality", "email", "phone", "personal-number", "name")
CATEGORY_OF = {"speaker": "person", "school": "school", "municipality": "place", "email": "other",
               "phone": "other", "personal-number": "other", "name": "other"}
DEFAULT_REPLACEMENT = {"person": "person", "school": "skola", "place": "plats", "organisation": "organisation",
                       "other": "namn"}

_LETTER = r"[^\W\d_]"
_UPPER = r"[A-ZÅÄÖÆØÜÉ]"
SCHOOL = re.compile(rf"(?<!\w)({_UPPER}{_LETTER}*(?:skolan|skola|gymnasiet))(s?)(?!\w)")
MUNICIPALITY = re.compile(rf"(?<!\w)({_UPPER}{_LETTER}+)s\s+kommuns?(?!\w)")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?!\w)")
PHONE = re.compile(r"(?<![\w+])(?:\+46[\s-]?|0)\d{1,3}(?:[\s-]?\d){5,8}(?!\w)")
PERSONAL_NUMBER = re.compile(r"(?<![\w-])(?:19|20)?(\d{6})[-+]?(\d{4})(?![\w-])")
WORD = re.compile(rf"{_LETTER}[\w'’-]*")
SPEAKER_LINE = re.compile(r"^[ \t]*([^\n:]{1,40}):[ \t]", re.MULTILINE)
SENTENCE_END = ".!?:;\"”»…–—("


def luhn_ok(digits: str) -> bool:
    """The Luhn check over a personal identity number's ten digits (YYMMDDNNNC)."""
    total = 0
    for i, char in enumerate(digits):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _valid_date(digits: str) -> bool:
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= (day - 60 if day > 60 else day) <= 31  # 61-91: a coordination number


@dataclass
class Candidate:
    """A proposed entry: the name as the text writes it, what kind of rule found it,
    the category it would go under, how often it occurs and where first."""

    text: str
    kind: str
    count: int = 0
    context: str = ""
    document: str = ""
    forms: set[str] = field(default_factory=set)

    @property
    def category(self) -> str:
        return CATEGORY_OF[self.kind]


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left, right = max(line_start, start - width), min(line_end, end + width)
    snippet = text[left:right].strip()
    return ("…" if left > line_start else "") + snippet + ("…" if right < line_end else "")


class _Found:
    def __init__(self) -> None:
        self.by_key: dict[str, Candidate] = {}
        self._counted: set[tuple[str, str, int]] = set()

    def add(self, name: str, kind: str, text: str, start: int, end: int, document: str,
            form: str | None = None) -> None:
        key = " ".join(name.split()).lower()
        candidate = self.by_key.get(key)
        if candidate is None:
            candidate = self.by_key[key] = Candidate(" ".join(name.split()), kind)
        elif KINDS.index(kind) < KINDS.index(candidate.kind):
            candidate.kind = kind  # the more specific rule names it
        if (key, document, start) in self._counted:  # two rules found the same occurrence
            return
        self._counted.add((key, document, start))
        candidate.count += 1
        if not candidate.context:
            candidate.context, candidate.document = _context(text, start, end), document
        if form and form != candidate.text:
            candidate.forms.add(form)


def _sentence_initial(text: str, start: int, turn_starts: set[int]) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“”«»‘’(":
        i -= 1
    return i < 0 or text[i] == "\n" or text[i] in SENTENCE_END or (i + 1) in turn_starts or start in turn_starts


def find_candidates(documents: Iterable[tuple[str, str]], *, known: Callable[[set[str]], set[str]],
                    speakers: Iterable[str] = (), skip: Iterable[str] = (),
                    known_roles: Callable[[set[str]], set[str]] | None = None) -> list[Candidate]:
    """Candidates from ``documents`` (name, text pairs), most frequent first.

    ``known`` takes lower-case words and returns those the language's lexicon knows (as
    listed words: a compound rule would know "Björkskolan" as björk + skolan);
    ``known_roles`` does the same for speaker labels, where compounds should count as
    known ("Dialogledare"; default ``known``); ``speakers`` are the corpus's speaker
    labels; candidates whose lower-case text is in ``skip`` (names already in the table,
    candidates rejected before) are left out.
    """
    found = _Found()
    docs = list(documents)
    capitalised: list[tuple[str, str, int, int, str]] = []  # word, text, start, end, document
    for name, text in docs:
        turn_starts = {m.end() for m in SPEAKER_LINE.finditer(text)}
        for m in SCHOOL.finditer(text):
            found.add(m.group(1), "school", text, m.start(), m.end(), name, m.group(0))
        for m in MUNICIPALITY.finditer(text):
            found.add(m.group(1) + "s kommun", "municipality", text, m.start(), m.end(), name, m.group(0))
            found.add(m.group(1), "municipality", text, m.start(), m.end(), name, m.group(1) + "s")
        for m in EMAIL.finditer(text):
            found.add(m.group(0), "email", text, m.start(), m.end(), name)
        for m in PHONE.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            if 8 <= len(digits.removeprefix("46")) <= 11:
                found.add(m.group(0), "phone", text, m.start(), m.end(), name)
        for m in PERSONAL_NUMBER.finditer(text):
            digits = m.group(1) + m.group(2)
            if _valid_date(digits) and luhn_ok(digits):
                found.add(m.group(0), "personal-number", text, m.start(), m.end(), name)
        for m in WORD.finditer(text):
            word = m.group(0).rstrip("'’-")
            if (not word[0].isupper() or (len(word) > 1 and word.isupper()) or "-" in word
                    or any(ch.isdigit() for ch in word)):
                continue
            if _sentence_initial(text, m.start(), turn_starts):
                continue
            capitalised.append((word, text, m.start(), m.start() + len(word), name))
    words = {w.lower() for w, *_ in capitalised}
    speaker_words = {w.lower() for label in speakers for w in WORD.findall(label)}
    schools = {k for k, c in found.by_key.items() if c.kind == "school"}
    lexicon = known(words | {w[:-1] for w in words if w.endswith("s")} | schools)
    roles = (known_roles or known)(speaker_words)
    for label in speakers:
        parts = [w.lower() for w in WORD.findall(label)]
        if parts and any(p not in roles for p in parts) and not any(ch.isdigit() for ch in label):
            for name, text in docs:
                at = text.find(label + ":")
                if at >= 0:
                    found.add(label, "speaker", text, at, at + len(label), name)
                    break
    for word, text, start, end, name in capitalised:
        lower = word.lower()
        if lower in lexicon or (lower.endswith("s") and lower[:-1] in lexicon):
            continue  # a known word, or a known word's genitive
        if lower.endswith("s") and len(lower) > 3 and lower[:-1] in words:
            found.add(word[:-1], "name", text, start, end, name, word)  # the genitive of a name seen without it
        else:
            found.add(word, "name", text, start, end, name)
    for key in [k for k, c in found.by_key.items() if c.kind == "school" and k in lexicon]:
        del found.by_key[key]  # a common word that happens to end in -skolan ("Grundskolan")
    skipped = {" ".join(s.split()).lower() for s in skip}
    kept = [c for key, c in found.by_key.items() if key not in skipped]
    return sorted(kept, key=lambda c: (-c.count, c.text.lower()))


def score(found: Iterable[str], known: dict[str, Iterable[str]]) -> tuple[float, float]:
    """Precision and recall of candidate texts against known names (each with the texts
    that count as finding it): a candidate is right when it finds some known name."""
    finds = {" ".join(t.split()).lower(): name for name, texts in known.items() for t in texts}
    proposed = [" ".join(t.split()).lower() for t in found]
    right = [t for t in proposed if t in finds]
    precision = len(right) / len(proposed) if proposed else 1.0
    recall = len({finds[t] for t in right}) / len(known) if known else 1.0
    return precision, recall
