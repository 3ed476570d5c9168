"""Words and lemmas for full-text search.

Lemmas come from spaCy's lookup tables (the ``spacy-lookups-data`` package), read
directly so that search needs no spaCy pipeline (:mod:`qualcode.analysis.lemmas`).
Tables are keyed by surface form and are case-sensitive, so words are lower-cased first.
"""

from __future__ import annotations

import re

from qualcode.analysis.lemmas import LEMMA_LANGUAGES, lemmas

__all__ = ["LEMMA_LANGUAGES", "WORD", "index_terms", "query_groups", "word_count", "words"]

WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def word_count(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


def index_terms(text: str, language: str) -> str:
    """The searchable form of a sentence: its words, then lemmas that differ."""
    tokens = words(text)
    table = lemmas(language).lookup(tokens)
    differing = {table[t] for t in tokens if t in table} - set(tokens)
    return " ".join(tokens + sorted(differing))


def query_groups(query: str, languages: tuple[str, ...] = LEMMA_LANGUAGES) -> list[list[str]]:
    """One group of alternatives per query word: the word and its lemma in each language.

    A sentence matches when every group matches; within a group any alternative may,
    by prefix, so "skolorna" also finds "skolans" through the lemma "skola".
    """
    groups = []
    for token in words(query):
        alternatives = [token]
        for language in languages:
            lemma = lemmas(language).lookup([token]).get(token)
            if lemma and lemma.lower() not in alternatives:
                alternatives.append(lemma.lower())
        groups.append(alternatives)
    return groups
