"""Pseudonyms: the entries of a project's table, and the one-pass renderer that applies them.

The stored text never changes: pseudonyms are applied when text leaves the project
(exports, retrieval and search output), so offsets stay as they are and nothing needs
re-coding. All forms of all entries are compiled into one pattern (a trie of the forms,
so that Python's regex engine tries each position against a prefix tree rather than
against every form in turn), matched on word boundaries, as written, in lower case, capitals or capitalised.

A form that is another form of its entry plus ``s`` is that form's Swedish genitive:
its replacement gets ``:s`` ("Björkskolans" -> "skola A:s"), as Swedish writes the
genitive of a name that ends in a letter or digit set apart. A match written all in
capitals gets the replacement in capitals; otherwise the replacement is used as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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


def _trie_pattern(words: Sequence[str]) -> str:
    """A regex alternation of ``words`` factored by common prefixes (longest match first)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # where a shorter word ends here, the longer ones are tried first (greedy), then none
        return "(?:" + body + ")?" if end else body

    return build(trie)


def _variants(lowered: str, spelled: Iterable[str]) -> set[str]:
    found = {lowered, lowered.upper(), lowered.capitalize(), *spelled}
    for form in spelled:  # "Anna Berg" also as "ANNA BERG", "anna berg", "Anna berg"
        found |= {form.upper(), form.lower(), form.capitalize(), form.title()}
    return found


class Renderer:
    """Replaces every form of every entry in one pass over the text."""

    def __init__(self, entries: Iterable[Pseudonym]) -> None:
        self.entries = list(entries)
        self._by_form: dict[str, str] = {}
        for entry in sorted(self.entries, key=lambda e: len(e.original)):
            forms = entry.all_forms()
            known = {f.lower() for f in forms}
            for form in forms:
                key = form.lower()
                genitive = key.endswith("s") and key[:-1] in known
                self._by_form[key] = entry.replacement + (":s" if genitive else "")
        # Matching without re.IGNORECASE is many times faster in Python's engine, so the
        # pattern holds each form as written, in lower case, in capitals and capitalised.
        spelled: dict[str, list[str]] = {}
        for entry in self.entries:
            for form in entry.all_forms():
                spelled.setdefault(form.lower(), []).append(form)
        forms = sorted({variant for form in self._by_form for variant in _variants(form, spelled.get(form, ()))},
                       key=len, reverse=True)
        self._short: dict[str, str] = {}
        # No look-behind in front: a pattern that starts with the forms' first letters lets
        # the regex engine skip ahead to them; a match inside a longer word is given back
        # unchanged by _replace (no valid match can start inside it either).
        self._pattern = re.compile(_trie_pattern(forms) + r"(?!\w)") if forms else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _inside_word(self, match: re.Match[str]) -> bool:
        start = match.start()
        return start > 0 and (match.string[start - 1].isalnum() or match.string[start - 1] == "_")

    def _replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if self._inside_word(match):
            return found
        replacement = self._by_form[found.lower()]
        if len(found) > 1 and found.isupper():
            return replacement.upper()
        return replacement

    def render(self, text: str) -> str:
        """The text with every form replaced; the text itself where the table is empty."""
        if self._pattern is None or not text:
            return text
        if len(text) < 100:  # names, labels, attribute values: the same few strings again and again
            done = self._short.get(text)
            if done is None:
                done = self._short[text] = self._pattern.sub(self._replace, text)
            return done
        return self._pattern.sub(self._replace, text)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Each replaced ``[start, end)`` of ``text`` with what replaces it, in order."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._replace(m)) for m in self._pattern.finditer(text)
                if not self._inside_word(m)]
