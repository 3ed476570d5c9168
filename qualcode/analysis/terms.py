"""Words and lemmas for full-text search.

Lemmas come from spaCy's lookup tables (:mod:`qualcode.analysis.lemmas`), keyed by
surface form and case-sensitive, so words are lower-cased first. The functions here
take the table (any mapping that holds the words at hand) from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def word_count(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


def index_terms(text: str, table: Mapping[str, str]) -> str:
    """The searchable form of a sentence: its words, then lemmas that differ."""
    tokens = words(text)
    differing = {table[t] for t in tokens if t in table} - set(tokens)
    return " ".join(tokens + sorted(differing))


def query_groups(query_words: Sequence[str], tables: Sequence[Mapping[str, str]]) -> list[list[str]]:
    """One group of alternatives per query word (:func:`words` of the query): the word
    and its lemma in each table.

    A sentence matches when every group matches; within a group any alternative may,
    by prefix, so "skolorna" also finds "skolans" through the lemma "skola".
    """
    groups = []
    for token in query_words:
        alternatives = [token]
        for table in tables:
            lemma = table.get(token)
            if lemma and lemma.lower() not in alternatives:
                alternatives.append(lemma.lower())
        groups.append(alternatives)
    return groups
