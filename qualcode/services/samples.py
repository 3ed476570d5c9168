"""Who may see whose codings while a double-coding sample is open.

Kept apart from the agreement statistics so the workbench can ask it on every refresh
without loading the statistics libraries.
"""

from __future__ import annotations


def hidden_coders_in(uow, coder: str, document_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    """Coders whose codings ``coder`` must not see on this document yet (inside the caller's
    unit of work): the other coders of an open sample holding it that ``coder`` has not marked done."""
    found = uow.coders.find(coder)
    if found is None:
        return set()
    hidden: set[int] = set()
    for _sample_id, documents, others in uow.agreement.open_samples_for(found.id):
        if document_id in documents:
            hidden |= others
    return hidden
