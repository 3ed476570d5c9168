"""Random seeds a user types: refused before the generator sees them.

NumPy's legacy generator (scikit-learn, UMAP, networkx layouts) takes 0 to 2^32 - 1 and
its newer one any whole number from 0; each refused the rest half-way through the work,
in its own words, as a traceback. One range for every command keeps a stored seed
usable by all of them.
"""

from __future__ import annotations

from qualcode.errors import AnalysisError

MAX_SEED = 2 ** 32 - 1


def check_seed(seed: int) -> int:
    """``seed`` if every generator qualcode uses accepts it, else an AnalysisError."""
    if not 0 <= seed <= MAX_SEED:
        raise AnalysisError(f"The seed {seed} is not between 0 and {MAX_SEED:,}.", "Write e.g. --seed 42.")
    return seed
