"""The process's lemma lookups, one per language, shared by imports and searches."""

from __future__ import annotations

from functools import cache, partial

from qualcode.analysis.lemmas import LEMMA_LANGUAGES, lemma_source, lemma_table
from qualcode.storage.lemma_cache import LemmaCache


@cache
def lemmas(language: str) -> LemmaCache:
    source = lemma_source(language) if language in LEMMA_LANGUAGES else None
    return LemmaCache(source, partial(lemma_table, language))
