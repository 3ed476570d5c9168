"""The filter box of the Words screen's tabs, read into the selection the word services take.

One reading for every tab (frequencies, KWIC, keyness, collocations), so that ``level=school``,
``code=KEY`` and ``set=NAME`` mean the same words wherever they are typed, and a bad
filter is the same message everywhere. The words are those of the command line's
``--attr``, ``--code`` and ``--set``: the selection goes to the same service calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qualcode.services import words as service
from qualcode.storage.store import Store
from qualcode.tui.screens.retrieval import parse_filters, split_sets

CODE_KEY = "code"  # ``code=KEY`` keeps to the code's passages, as ``--code`` does
FILTER_HINT = "Filters: level=school (attributes), code=KEY (its passages), set=NAME (a saved set)"


def word_selection(store: Store, text: str, *, codes: Sequence[str] = (), include_interviewer: bool = False,
                   command: str = "words") -> Callable[[], service.Selection]:
    """Parse the filter now (a typing slip is said at once, before any counting) and give
    back the call that makes the selection: it reads the saved sets named, so it runs in
    the counting worker, where a set's wrong name becomes a message like any other."""
    filters, set_names = split_sets(parse_filters(text))
    chosen_codes = [*filters.pop(CODE_KEY, []), *codes]
    chosen = service.Selection(filters, codes=[c for c in chosen_codes if c], include_interviewer=include_interviewer)
    return lambda: service.in_sets(store, chosen, set_names, command=command)
