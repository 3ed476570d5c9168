"""Pseudonyms: the entries of a project's table, and the one-pass renderer that applies them.

The stored text never changes: pseudonyms are applied when text leaves the project
(exports, retrieval and search output), so offsets stay as they are and nothing needs
re-coding. All forms of all entries are compiled into one pattern (a trie of the forms,
so that Python's regex engine tries each position against a prefix tree rather than
against every form in turn), matched on word boundaries in any case; a space in a form
matches any run of white space (a line break inside "Sjöviks kommun").

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


SEPARATOR = "\x00"  # joins texts rendered together: in no word, no form, and a gate of the scan


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


class Renderer:
    """Replaces every form of every entry in one pass over the text.

    The text is matched in lower case against a prefix tree of the forms in lower case
    (plain letters: the fastest pattern for Python's engine, several times faster than
    re.IGNORECASE or one class of both cases per letter), and each match is replaced by
    its entry's replacement, in capitals for a match in capitals. Where lower-casing
    changes a text's length (a few letters such as "İ" do) the any-case pattern is used.
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
        if self._forms:
            tree = f"({_trie_pattern(self._forms)})(?!\\w)"
            # A name starts a text or follows a character that is not part of a word. The
            # regex engine skips fastest to a character from a small set, so the scan is split
            # in two: names after a space or line break (most of them), and names after any
            # other character, which is kept only if that character is not part of a word
            # (punctuation, or a letter outside ASCII, which the look-behind then turns down).
            self._pattern = re.compile(tree)
            self._after_space = re.compile(r"[ \n]" + tree)
            self._after_other = re.compile(r"[\x00-\x09\x0b-\x1f!-/:-@\[-^`{-~\x7f-\U0010ffff](?<!\w)" + tree)
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

    def _matches(self, text: str) -> list[tuple[int, int]]:
        """Each ``[start, end)`` of ``text`` that is a form as a whole word, in order."""
        lowered = text.lower()
        if len(lowered) != len(text):
            return self._matches_any_case(text)
        assert self._pattern is not None
        found = [m.span(1) for m in self._after_space.finditer(lowered)]
        found += [m.span(1) for m in self._after_other.finditer(lowered)]
        first = self._pattern.match(lowered)
        if first is not None:
            found.append(first.span(1))
        if len(found) < 2:
            return found
        found.sort()
        kept = [found[0]]
        for span in found[1:]:  # the two scans may overlap where a form holds punctuation
            if span[0] >= kept[-1][1]:
                kept.append(span)
        return kept

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
                done = self._short[text] = self._render(text)
            return done
        return self._render(text)

    def render_many(self, texts: Sequence[str]) -> list[str]:
        """Each of ``texts`` rendered, as :meth:`render` would, in one pass over them all:
        joined by a character no form holds and no word does (so no match crosses from one
        text into the next), rendered, split again. An export's passages pay for one
        scan, not for one call each; a text that holds the joining character itself is
        rendered alone."""
        if self._pattern is None or not texts:
            return list(texts)
        joined = SEPARATOR.join(texts)
        if joined.count(SEPARATOR) != len(texts) - 1:
            return [self.render(text) for text in texts]
        done = self._render(joined)
        if done is joined:
            return list(texts)
        parts = done.split(SEPARATOR)
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
