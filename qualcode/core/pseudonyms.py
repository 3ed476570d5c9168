"""Pseudonyms: the entries of a project's table, and the one-pass renderer that applies them.

The stored text never changes: pseudonyms are applied when text leaves the project
(exports, retrieval and search output), so offsets stay as they are and nothing needs
re-coding. One pass finds every form of every entry: an Aho-Corasick automaton (in C) of
the forms' first words finds where a name may begin, and one compiled pattern of all the
forms (a prefix tree) is tried there, longest form first, on word boundaries, in any
case; a space in a form matches any run of white space (a line break inside "Sjöviks
kommun"). Many texts (an export's passages) are rendered together, joined.

A form that is another form of its entry plus ``s`` is that form's Swedish genitive:
its replacement gets ``:s`` ("Björkskolans" -> "skola A:s"), as Swedish writes the
genitive of a name that ends in a letter or digit set apart. A match written all in
capitals gets the replacement in capitals; otherwise the replacement is used as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

CATEGORIES = ("person", "school", "place", "organisation", "other")


@dataclass(frozen=True)
class Pseudonym:
    """One entry: the original name, every form it takes in the text, what replaces it."""

    original: str
    replacement: str
    category: str = "other"
    forms: tuple[str, ...] = ()

    def all_forms(self) -> tuple[str, ...]:
        """The original, its genitive, and the forms given, without repeats."""
        seen: dict[str, None] = {self.original: None}
        if not self.original.endswith(("s", "x", "z")):
            seen[self.original + "s"] = None
        for form in self.forms:
            seen[form] = None
        return tuple(seen)


def default_forms(original: str, forms: Iterable[str]) -> tuple[str, ...]:
    """The forms to store for an entry: those given, without the original itself."""
    return tuple(dict.fromkeys(f for f in forms if f and f != original))


def _char_pattern(char: str, any_case: bool) -> str:
    """One character of a form: itself, or with ``any_case`` both its cases (``[bB]``);
    a space as any run of white space."""
    if char.isspace():
        return r"\s+"
    spellings = sorted({c for c in (char, char.upper(), char.lower()) if len(c) == 1}) if any_case else [char]
    if len(spellings) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(c) for c in spellings) + "]"


def _trie_pattern(words: Sequence[str], *, any_case: bool = False) -> str:
    """A regex alternation of ``words`` (in lower case) factored by common prefixes,
    longest match first."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = [_char_pattern(char, any_case) + build(child)
                    for char, child in sorted(node.items()) if char != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # where a shorter word ends here, the longer ones are tried first (greedy), then none
        return "(?:" + body + ")?" if end else body

    return build(trie)


def form_key(text: str) -> str:
    """How a form is looked up: lower case, white space as one space."""
    return " ".join(text.split()).lower()


SEPARATOR = "\x00"  # joins texts rendered together: in no word and (checked) no form
CHUNK = 1 << 16  # characters rendered together: a few large strings stay in the processor's cache


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _latin1_tables() -> tuple[bytes, bytes] | None:
    """Latin-1 in lower case, and in lower case with every character that is not part of
    a word (as the regex engine's ``\\w`` has it) turned into a space; none where a
    letter's lower case lies outside Latin-1 (it does not, but that is checked, not assumed)."""
    lower, spaced = bytearray(), bytearray()
    for i in range(256):
        char = chr(i).lower()
        if len(char) != 1 or ord(char) > 255:
            return None
        lower.append(ord(char))
        spaced.append(ord(char) if _is_word_char(char) else 32)
    return bytes(lower), bytes(spaced)


_LATIN1 = _latin1_tables()


def _automaton(words: Iterable[str]):  # type: ignore[no-untyped-def]
    """An Aho-Corasick automaton (in C) of ``words``, each mapped to its length. A word
    that begins with another is left out: wherever it is found, the shorter one is too."""
    import ahocorasick  # here: the CLI's start-up does not load it

    automaton = ahocorasick.Automaton()
    last = None
    for word in sorted(words):
        if last is not None and word.startswith(last):
            continue
        automaton.add_word(word, len(word))
        last = word
    automaton.make_automaton()
    return automaton


class Renderer:
    """Replaces every form of every entry in one pass over the text.

    The text is scanned once, in lower case, by an Aho-Corasick automaton (in C) of the
    first word of every form: it reports where a form can begin. Each place that also
    begins a word is then tried against a prefix tree of the whole forms (a compiled
    pattern, anchored there, longest form first, that must end a word), left to right,
    each match resuming the scan after it. A match is replaced by its entry's
    replacement, in capitals for a match in capitals. Where lower-casing changes a text's
    length (a few letters such as "İ" do) that text is matched by an any-case pattern.
    """

    def __init__(self, entries: Iterable[Pseudonym]) -> None:
        self.entries = list(entries)
        by_form: dict[str, str] = {}
        for entry in sorted(self.entries, key=lambda e: len(e.original)):
            forms = entry.all_forms()
            known = {form_key(f) for f in forms}
            for form in forms:
                key = form_key(form)
                genitive = key.endswith("s") and key[:-1] in known
                by_form[key] = entry.replacement + (":s" if genitive else "")
        self._by_form = by_form
        self._seen: dict[str, str] = {}  # a spelling met before -> its replacement: one look-up a match
        self._short: dict[str, str] = {}
        self._forms = sorted(by_form, key=len, reverse=True)
        self._pattern: re.Pattern[str] | None = None
        self._any_case: re.Pattern[str] | None = None
        self._joinable = not any(SEPARATOR in text for text in (*by_form, *by_form.values()))
        if self._forms:
            self._pattern = re.compile(f"(?:{_trie_pattern(self._forms)})(?!\\w)")
            firsts = {form.split(" ", 1)[0] for form in self._forms}
            self._firsts = firsts
            self._starts: Any = None  # the automaton for texts beyond Latin-1, made when one comes
            spaced = set()
            for word in firsts if _LATIN1 is not None else ():
                try:
                    spaced.add(" " + word.encode("latin-1").translate(_LATIN1[1]).decode("latin-1"))
                except UnicodeEncodeError:  # a letter beyond Latin-1: not in a text within it
                    pass
            self._spaced = _automaton(spaced)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def replacement_for(self, found: str) -> str:
        """What replaces ``found``, a spelling of a form: in capitals where it is in capitals."""
        done = self._seen.get(found)
        if done is None:
            done = self._by_form[form_key(found)]
            if len(found) > 1 and found.isupper():
                done = done.upper()
            self._seen[found] = done
        return done

    @staticmethod
    def _lowered(text: str) -> tuple[str, str | None] | None:
        """``text`` in lower case and, for a text within Latin-1 (Swedish, English and the
        other western languages), its copy with every character that is not part of a word
        turned into a space (where a word may begin); ``None`` where lower case changes the
        text's length."""
        if _LATIN1 is not None:
            try:
                data = text.encode("latin-1")
            except UnicodeEncodeError:
                pass
            else:
                return data.translate(_LATIN1[0]).decode("latin-1"), data.translate(_LATIN1[1]).decode("latin-1")
        lowered = text.lower()
        return (lowered, None) if len(lowered) == len(text) else None

    def _candidates(self, lowered: str, spaced: str | None) -> list[int]:
        """Where in ``lowered`` a word begins with the first word of a form, in order. In
        ``spaced`` the automaton's keys are those words after a space, so it passes over
        the rest of the text at its fastest; without it each place found in ``lowered`` is
        checked for the start of a word."""
        if spaced is not None:
            # a key of n characters ending at i of ``spaced`` is a first word at i - n + 2 of ``lowered``
            # (after its space); no two begin at one place (one would begin with the other), and they
            # come nearly in order. The text's first word has no space before it: it is always tried.
            starts = [0, *(end - length + 2 for end, length in self._spaced.iter(spaced))]
            starts.sort()
            return starts
        if self._starts is None:
            self._starts = _automaton(self._firsts)
        starts = set()
        for end, length in self._starts.iter(lowered):
            start = end - length + 1
            if start:
                before = lowered[start - 1]
                if before.isalnum() or before == "_":  # inside a longer word: not a name
                    continue
            starts.add(start)
        return sorted(starts)

    def _scan(self, lowered: str, spaced: str | None) -> list[tuple[int, int]]:
        """Each ``[start, end)`` of ``lowered`` (a text in lower case) that is a form as a
        whole word, in order: the leftmost, longest first, none overlapping."""
        assert self._pattern is not None
        match = self._pattern.match
        found, last = [], 0
        for start in self._candidates(lowered, spaced):
            if start >= last:
                m = match(lowered, start)
                if m is not None:
                    last = m.end()
                    found.append((start, last))
        return found

    def _matches(self, text: str) -> list[tuple[int, int]]:
        """Each ``[start, end)`` of ``text`` that is a form as a whole word, in order."""
        lowered = self._lowered(text)
        if lowered is None:
            return self._matches_any_case(text)
        return self._scan(*lowered)

    def _matches_any_case(self, text: str) -> list[tuple[int, int]]:
        if self._any_case is None:
            self._any_case = re.compile(_trie_pattern(self._forms, any_case=True) + r"(?!\w)")
        found = []
        search = self._any_case.search
        match = search(text)
        while match is not None:
            start, end = match.span()
            if start and _is_word_char(text[start - 1]):  # the end of a longer word: not a name
                match = search(text, start + 1)
                continue
            found.append((start, end))
            match = search(text, end)
        return found

    def _render(self, text: str) -> str:
        spans = self._matches(text)
        if not spans:
            return text
        pieces, last = [], 0
        for start, end in spans:
            pieces.append(text[last:start])
            pieces.append(self.replacement_for(text[start:end]))
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def render(self, text: str) -> str:
        """The text with every form replaced; the same string where nothing matched."""
        if self._pattern is None or not text:
            return text
        if len(text) < 100:  # names, labels, attribute values: the same few strings again and again
            done = self._short.get(text)
            if done is None:
                rendered = self._render(text)
                done = self._short[text] = "" if rendered is text else rendered  # "": nothing to replace
            return done or text
        return self._render(text)

    def render_many(self, texts: Sequence[str]) -> list[str]:
        """Each of ``texts`` rendered, as :meth:`render` would, in one pass over them all:
        joined by a character no form holds and no word does (so no match crosses from one
        text into the next), scanned once, rendered and split again; a text in which
        nothing changed comes back as it is. An export's passages pay for one scan, not for
        one call each; they are joined a chunk at a time (``CHUNK`` characters), so that
        the strings stay in the processor's cache. A chunk that holds the joining character
        inside a text, or whose length changes in lower case, is rendered text by text."""
        if self._pattern is None or not texts:
            return list(texts)
        step = max(1, CHUNK * len(texts) // (sum(map(len, texts)) + len(texts)))  # texts to a chunk
        if step >= len(texts):
            return self._render_joined(texts)
        done: list[str] = []
        for first in range(0, len(texts), step):
            done += self._render_joined(texts[first:first + step])
        return done

    def _render_joined(self, texts: Sequence[str]) -> list[str]:
        joined = SEPARATOR.join(texts)
        lowered = self._lowered(joined)
        if lowered is None or not self._joinable or joined.count(SEPARATOR) != len(texts) - 1:
            return [self.render(text) for text in texts]
        spans = self._scan(*lowered)
        if not spans:
            return list(texts)
        seen, replacement_for = self._seen, self.replacement_for
        cuts = [0, *chain.from_iterable(spans), len(joined)]
        pieces: list[str] = [""] * (2 * len(spans) + 1)
        pieces[::2] = [joined[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True)]  # around the names
        pieces[1::2] = [seen.get(name) or replacement_for(name) for name in (joined[a:b] for a, b in spans)]
        parts = "".join(pieces).split(SEPARATOR)
        return [old if new == old else new for old, new in zip(texts, parts, strict=True)]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Each replaced ``[start, end)`` of ``text`` with what replaces it, in order."""
        if self._pattern is None or not text:
            return []
        return [(start, end, self.replacement_for(text[start:end])) for start, end in self._matches(text)]

    def render_with_offsets(self, text: str) -> tuple[str, Callable[..., int]]:
        """The rendered text and a function moving a position of ``text`` to the rendered one.

        ``move(position)`` for a start, ``move(position, True)`` for an end: a position
        inside a replaced name moves to the start (or, for an end, the end) of its
        replacement, so a passage never holds half a pseudonym.
        """
        spans = self.spans(text) if text else []
        if not spans:
            return text, lambda position, end=False: position
        pieces, last, shift = [], 0, 0
        table: list[tuple[int, int, int, int]] = []  # old start, old end, new start, new end
        for start, end, replacement in spans:
            pieces.append(text[last:start])
            pieces.append(replacement)
            new_start = start + shift
            shift += len(replacement) - (end - start)
            table.append((start, end, new_start, new_start + len(replacement)))
            last = end
        pieces.append(text[last:])
        starts = [row[0] for row in table]

        def move(position: int, end: bool = False) -> int:
            i = bisect_right(starts, position) - 1
            if i < 0:
                return position
            old_start, old_end, new_start, new_end = table[i]
            if position >= old_end:
                return position + (new_end - old_end)
            if position == old_start:
                return new_start
            return new_end if end else new_start

        return "".join(pieces), move

    def forms(self) -> list[str]:
        """Every form the renderer replaces (lower case, as looked up), longest first."""
        return list(self._forms)
