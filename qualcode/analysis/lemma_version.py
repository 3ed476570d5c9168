"""The version of the default lemmatizer, apart from the lemmatizer itself.

Every project open compares its search index's version with this one; keeping the
constant here lets that check run without loading the lemma tables' code.
"""

from __future__ import annotations

# Raised whenever the default method, a table's content or the compound rule changes,
# so that search indexes made with an older one are rebuilt.
LEMMATIZER_VERSION = "2"
