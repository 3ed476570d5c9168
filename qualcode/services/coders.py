"""Coders of a project: who coded what, renaming a coder, merging two names of one person.

Answers "where did my codings go": a coder who worked under two names sees half their
codings under each. Each change is one unit of work and one event in the log; a merge
that would lose something (two different weights on one passage, two exchange GUIDs, a
sample in which the two names are compared with each other) is refused before anything
is written.
"""

from __future__ import annotations

from qualcode.core.team import Action, CoderMerge, CoderSummary
from qualcode.errors import CodingError, NotFoundError, QualcodeError
from qualcode.services.project import coder_setting_key
from qualcode.storage.store import Store, UnitOfWork

_NAME_LIMIT = 100  # the width of coders.name


def list_coders(store: Store) -> list[CoderSummary]:
    """Every coder with their codings, memos, documents coded and last logged change."""
    with store.unit_of_work() as uow:
        return uow.coder_work.summaries()


def optional_coder_id(uow: UnitOfWork, coder: str | None) -> int | None:
    """The id of the coder named (added if new); None when no name is given, for a change
    that may be logged without its author."""
    return uow.coders.get_or_create(coder.strip()).id if coder and coder.strip() else None


def _known(uow: UnitOfWork) -> str:
    return ", ".join(c.name for c in uow.coders.list()) or "none yet"


def _clean(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise QualcodeError("A coder name cannot be empty.", "Give the name the coder should have.")
    if len(cleaned) > _NAME_LIMIT:
        raise QualcodeError(f"A coder name has at most {_NAME_LIMIT} characters; "
                            f"'{cleaned[:20]}...' has {len(cleaned)}.", "Choose a shorter name.")
    return cleaned


def own_row(uow: UnitOfWork, name: str, role: str):  # type: ignore[no-untyped-def]
    row = uow.coder_work.row(name)
    if row is None:
        raise NotFoundError(f"No coder named '{name}'.", f"Known coders: {_known(uow)}.")
    if row.merged_into is not None:
        into = uow.coders.get(row.merged_into)
        raise CodingError(f"'{name}' was merged into '{into.name if into else row.merged_into}' and "
                          f"cannot be the {role} of this change.",
                          f"Use '{into.name if into else row.merged_into}' instead.")
    return row


def rename_coder(store: Store, old: str, new: str, *, by: str | None = None) -> None:
    """Give a coder a new name; their codings, memos and log entries go with them."""
    from qualcode.services.roles import require

    new = _clean(new)
    with store.unit_of_work() as uow:
        require(uow, by, Action.SUPERVISE, "rename coders")
        row = own_row(uow, old, "coder renamed")
        if new == row.name:
            raise CodingError(f"The coder is already named '{new}'.")
        if uow.coder_work.row(new) is not None:
            raise CodingError(f"There is already a coder named '{new}'.",
                              f"If they are one person, merge them: qualcode coders merge '{old}' '{new}'.")
        uow.coder_work.rename(row.id, new, remembered_prefix=f"{coder_setting_key()}.")
        uow.events.append("coder.renamed", {"coder_id": row.id, "old": old, "new": new}, row.id)


def merge_coders(store: Store, source: str, target: str, *, by: str | None = None) -> CoderMerge:
    """Move all of ``source``'s work to ``target``; a coding both made is kept once.

    The doubled coding of ``source`` is dropped after its memos (and its weight or GUID
    where the kept one has none) move to the kept coding. ``source``'s name stays, as a
    name of ``target``: whoever codes under it from now on codes as ``target``.
    """
    from qualcode.services.roles import require

    with store.unit_of_work() as uow:
        require(uow, by, Action.SUPERVISE, "merge coders")
        source_row = own_row(uow, source, "coder merged")
        target_row = own_row(uow, target, "coder merged into")
        if source_row.id == target_row.id:
            raise CodingError(f"'{source}' and '{target}' are the same coder.", "Name two different coders.")
        work = uow.coder_work
        problems = []
        shared = work.shared_samples(source_row.id, target_row.id)
        if shared:
            problems.append(f"both are coders of the double-coding sample(s) {', '.join(shared)}: "
                            "there their codings are compared with each other")
        doubles = work.doubles(source_row.id, target_row.id)
        weights = [d for d in doubles if None not in (d.source_weight, d.target_weight)
                   and d.source_weight != d.target_weight]
        if weights:
            problems.append(f"{len(weights)} passage(s) coded by both carry different weights "
                            f"(e.g. coding {weights[0].source_id}: {weights[0].source_weight}, "
                            f"coding {weights[0].target_id}: {weights[0].target_weight})")
        source_guids = work.guid_of_coding([d.source_id for d in doubles])
        target_guids = work.guid_of_coding([d.target_id for d in doubles])
        both_guids = [d for d in doubles if d.source_id in source_guids and d.target_id in target_guids]
        if both_guids:
            problems.append(f"{len(both_guids)} passage(s) coded by both came with an exchange GUID on "
                            f"each side (e.g. codings {both_guids[0].source_id} and {both_guids[0].target_id})")
        coder_guid_source, coder_guid_target = work.coder_guid(source_row.id), work.coder_guid(target_row.id)
        if coder_guid_source is not None and coder_guid_target is not None:
            problems.append("each coder came with an exchange GUID of their own from a REFI-QDA project")
        if problems:
            raise CodingError(f"Merging coder '{source}' into '{target}' would lose something, so nothing "
                              "was changed: " + "; ".join(problems) + ".",
                              "Resolve these first (e.g. set one weight with 'qualcode code weight', "
                              "or remove a coder from the sample), then merge again.")
        memos_on_doubles = work.memos_on_codings([d.source_id for d in doubles])
        for double in doubles:
            work.fold_double(double, move_guid=double.source_id in source_guids)
        work.delete_codings([d.source_id for d in doubles])
        moved = work.move_all(source_row.id, target_row.id, move_guid=coder_guid_source is not None)
        uow.flush()
        result = CoderMerge(source, target, moved["codings"], len(doubles),
                            moved["memos"], moved["samples"])
        uow.events.append("coder.merged", {
            "source_id": source_row.id, "source": source, "target_id": target_row.id, "target": target,
            "codings_moved": result.codings_moved, "doubled_codings_dropped": [d.source_id for d in doubles],
            "kept_instead": [d.target_id for d in doubles], "memos_moved": result.memos_moved,
            "memos_moved_to_kept_codings": memos_on_doubles,
            "samples_moved": result.samples_moved}, target_row.id)
        return result
