"""Words and lemmas for full-text search.

Lemmas come from spaCy's lookup tables (the ``spacy-lookups-data`` package), read
directly so that search needs no spaCy pipeline. Tables are keyed by surface form and
are case-sensitive, so words are lower-cased first.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib import resources

WORD = re.compile(r"\w+", re.UNICODE)
LEMMA_LANGUAGES = ("sv", "en")


@lru_cache(maxsize=4)
def lemma_table(language: str) -> dict[str, str]:
    if language not in LEMMA_LANGUAGES:
        return {}
    data = resources.files("spacy_lookups_data") / "data" / f"{language}_lemma_lookup.json.gz"
    return json.loads(gzip.decompress(data.read_bytes()))


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def word_count(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


def index_terms(text: str, language: str) -> str:
    """The searchable form of a sentence: its words, then lemmas that differ."""
    table = lemma_table(language)
    tokens = words(text)
    lemmas = {table[t] for t in tokens if t in table} - set(tokens)
    return " ".join(tokens + sorted(lemmas))


def query_groups(query: str, languages: tuple[str, ...] = LEMMA_LANGUAGES) -> list[list[str]]:
    """One group of alternatives per query word: the word and its lemma in each language.

    A sentence matches when every group matches; within a group any alternative may,
    by prefix, so "skolorna" also finds "skolans" through the lemma "skola".
    """
    groups = []
    for token in words(query):
        alternatives = [token]
        for language in languages:
            lemma = lemma_table(language).get(token)
            if lemma and lemma.lower() not in alternatives:
                alternatives.append(lemma.lower())
        groups.append(alternatives)
    return groups
