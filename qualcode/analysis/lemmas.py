"""spaCy's lemma lookup tables (the ``spacy-lookups-data`` package), read directly so
that lemmatising needs no spaCy pipeline. Tables are keyed by surface form and are
case-sensitive. Imports and searches look words up through a cached copy instead
(``storage/lemma_cache.py``); topic models read the whole table.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

LEMMA_LANGUAGES = ("sv", "en")


def lemma_source(language: str) -> Path:
    """The compressed JSON table that ``spacy-lookups-data`` ships for a language."""
    return Path(str(resources.files("spacy_lookups_data") / "data" / f"{language}_lemma_lookup.json.gz"))


@lru_cache(maxsize=4)
def lemma_table(language: str) -> dict[str, str]:
    """The whole table, keyed by surface form; empty for languages without one."""
    if language not in LEMMA_LANGUAGES:
        return {}
    return json.loads(gzip.decompress(lemma_source(language).read_bytes()))
