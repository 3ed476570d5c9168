"""Saved queries: a retrieval, search, concordance, word list, keyness table or
comparison kept under a name with its own arguments, to list, run and export again.

A query is stored as the command's arguments as a user types them after its name
(``lc.bypassed --attr level=school --set rektorer``), so running it again goes through
the same parsing, checks and output as the command itself, and a saved query reads
like a command in ``query show``. Saving and removing are events (``query.saved``,
``query.removed``) that ``code undo`` can revert.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from qualcode.core.sets import QUERY_KINDS, SavedQuery, clean_name
from qualcode.errors import ExportError, NotFoundError, QualcodeError
from qualcode.services.coders import optional_coder_id
from qualcode.services.files import write_with
from qualcode.storage.store import Store, UnitOfWork


class QueryError(QualcodeError):
    """A query cannot be saved or used as asked."""


def find(uow: UnitOfWork, name: str) -> SavedQuery:
    found = uow.saved_queries.find(name.strip())
    if found is None:
        known = ", ".join(q.name for q in uow.saved_queries.list()[:12]) or "none yet"
        raise NotFoundError(f"No saved query '{name}' in this project (saved: {known}).",
                            "List them with 'qualcode query list'; save one with --save NAME on "
                            "retrieve, search, kwic, words, keyness or compare.")
    return found


def check_free(store: Store, name: str) -> str:
    """The name, cleaned, if no saved query has it yet (checked before a command runs)."""
    name = clean_name(name, "saved query")
    with store.unit_of_work() as uow:
        _refuse_taken(uow, name)
    return name


def _refuse_taken(uow: UnitOfWork, name: str) -> None:
    taken = uow.saved_queries.find(name)
    if taken is not None:
        raise QueryError(f"A saved query named '{taken.name}' exists already ({taken.command_line()}).",
                         f"Choose another name, or remove it first: qualcode query remove {taken.name} --force")


def save(store: Store, name: str, kind: str, args: Sequence[str], *, coder: str | None = None) -> SavedQuery:
    """Keep the command ``kind`` with ``args`` under ``name`` (a taken name is refused)."""
    name = clean_name(name, "saved query")
    if kind not in QUERY_KINDS:
        raise QueryError(f"Queries of '{kind}' cannot be saved.", f"Save one of: {', '.join(QUERY_KINDS)}.")
    if not all(isinstance(a, str) for a in args):
        raise QueryError("A saved query's arguments must be text.")
    with store.unit_of_work() as uow:
        _refuse_taken(uow, name)
        coder_id = optional_coder_id(uow, coder)
        query_id = uow.saved_queries.add(name, kind, list(args), coder_id)
        saved = uow.saved_queries.get(query_id)
        assert saved is not None
        uow.events.append("query.saved", {"query_id": query_id, "name": name, "kind": kind, "args": list(args),
                                          "created_at": saved.created_at.isoformat(), "created_by": coder_id},
                          coder_id)
        return saved


def list_queries(store: Store) -> list[SavedQuery]:
    with store.unit_of_work() as uow:
        return uow.saved_queries.list()


def get(store: Store, name: str) -> SavedQuery:
    with store.unit_of_work() as uow:
        return find(uow, name)


def remove(store: Store, name: str, *, coder: str | None = None) -> SavedQuery:
    """Forget the query; the event keeps it, so undo brings it back."""
    with store.unit_of_work() as uow:
        query = find(uow, name)
        author = uow.coders.find(query.created_by) if query.created_by else None
        created_by = author.id if author is not None else None
        uow.saved_queries.delete(query.id)
        coder_id = optional_coder_id(uow, coder)
        uow.events.append("query.removed", {"query_id": query.id, "name": query.name, "kind": query.kind,
                                            "args": list(query.args), "created_at": query.created_at.isoformat(),
                                            "created_by": created_by}, coder_id)
        return query


# The list each kind's result holds its rows in (compare: a matrix, or a cell's passages).
ROWS = {"retrieve": "passages", "search": "hits", "kwic": "lines", "words": "words", "keyness": "words",
        "compare": "rows"}


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return "" if value is None else value


def result_table(query: SavedQuery, result: dict) -> tuple[list[str], list[list[Any]]]:
    """The result's rows as a table: a header and one row per passage, hit, line or word."""
    if query.kind == "compare" and "columns" in result:
        header = ["code", "label", *result["columns"]]
        return header, [[r["key"], r["label"], *r["values"]] for r in result.get("rows", [])]
    rows = result.get(ROWS[query.kind]) if query.kind != "compare" else result.get("passages")
    if not isinstance(rows, list):
        raise QueryError(f"Saved query '{query.name}' gave no rows to export.")
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    return header, [[_cell(row.get(k)) for k in header] for row in rows]


def export_result(query: SavedQuery, result: dict, path: Path, *, overwrite: bool = False) -> int:
    """Write a query's result to ``path``: .json (the query and its whole result) or .csv
    (its rows); never over an existing file unless ``overwrite``. How many rows."""
    header, rows = result_table(query, result)
    suffix = path.suffix.lower()
    if suffix == ".json":
        content = json.dumps({"query": {"name": query.name, "kind": query.kind, "args": list(query.args),
                                        "command": query.command_line(), "created_by": query.created_by,
                                        "created_at": query.created_at.isoformat()},
                              "result": result}, ensure_ascii=False, indent=2) + "\n"
    elif suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        content = buffer.getvalue()
    else:
        raise ExportError(f"Cannot export a query to '{path.name}': unknown file type.",
                          "Name the file .csv or .json.")
    write_with(path, lambda stream: stream.write(content), overwrite=overwrite, binary=False)
    return len(rows)


def revert(uow: UnitOfWork, kind: str, p: dict) -> str:
    """Undo a logged query change (called by :mod:`qualcode.services.undo`)."""
    from qualcode.services.undo import Refused

    if kind == "query.saved":
        if uow.saved_queries.get(p["query_id"]) is None:
            raise Refused(f"saved query '{p['name']}' no longer exists")
        uow.saved_queries.delete(p["query_id"])
        return f"saved query '{p['name']}' removed again"
    if kind == "query.removed":
        if uow.saved_queries.get(p["query_id"]) is not None:
            raise Refused(f"saved query id {p['query_id']} is in use")
        if uow.saved_queries.find(p["name"]) is not None:
            raise Refused(f"another saved query is named '{p['name']}' now")
        created_by = p.get("created_by")
        if created_by is not None and uow.coders.get(created_by) is None:
            created_by = None
        uow.saved_queries.add(p["name"], p["kind"], p["args"], created_by, query_id=p["query_id"],
                              created_at=datetime.fromisoformat(p["created_at"]))
        return f"saved query '{p['name']}' restored"
    raise Refused(f"a '{kind}' change cannot be undone")
