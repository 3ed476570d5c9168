"""A project's pseudonym table: add, list, remove, import and export entries.

Each change is one transaction and one event per entry changed (``pseudonym.added``,
``pseudonym.changed``, ``pseudonym.removed``, with the entry before and after), so the
table's history is in the event log. The stored text is never touched: the table is
applied when text is rendered for output (:class:`qualcode.core.pseudonyms.Renderer`).

Files: YAML (a list of mappings ``original``, ``replacement``, ``category``, ``forms``)
or CSV (columns ``original,replacement,category,forms``, forms separated by ``|``),
chosen by the file's suffix.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields, replace
from functools import cache
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qualcode.core.pseudonyms import CATEGORIES, Pseudonym, Renderer, default_forms
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.storage.store import Store, UnitOfWork

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}
CSV_COLUMNS = ("original", "replacement", "category", "forms")
MAX_LENGTH = 200
T = TypeVar("T")


class PseudonymError(QualcodeError):
    """A pseudonym entry or file that cannot be used as given."""


def make_entry(original: str, replacement: str, category: str = "other",
               forms: Iterable[str] = (), *, where: str = "") -> Pseudonym:
    """A checked entry: names stripped, a known category, no empty or over-long names."""
    at = f" ({where})" if where else ""
    original, replacement = (original or "").strip(), (replacement or "").strip()
    if not original:
        raise PseudonymError(f"An entry has no original name{at}.", "Give the name as it appears in the text.")
    if not replacement:
        raise PseudonymError(f"'{original}' has no replacement{at}.", "Give what replaces it, e.g. 'skola A'.")
    category = (category or "other").strip().lower()
    if category not in CATEGORIES:
        raise PseudonymError(f"Unknown category '{category}' for '{original}'{at}.",
                             f"Use one of: {', '.join(CATEGORIES)}.")
    cleaned = default_forms(original, (f.strip() for f in forms))
    for text in (original, replacement, *cleaned):
        if len(text) > MAX_LENGTH:
            raise PseudonymError(f"'{text[:40]}...' is longer than {MAX_LENGTH} characters{at}.")
    if original.lower() == replacement.lower():
        raise PseudonymError(f"'{original}' would be replaced by itself{at}.", "Give a different replacement.")
    return Pseudonym(original, replacement, category, cleaned)


def entries(store: Store) -> list[Pseudonym]:
    with store.unit_of_work() as uow:
        return uow.pseudonyms.entries()


def renderer(store: Store) -> Renderer:
    """The project's table compiled for rendering."""
    return Renderer(entries(store))


def _coder_id(uow: UnitOfWork, coder: str | None) -> int | None:
    # imported here: retrieve and search use this module, without the store's
    from qualcode.services.coders import optional_coder_id

    return optional_coder_id(uow, coder)


def _put(uow: UnitOfWork, entry: Pseudonym, coder_id: int | None) -> str:
    before = uow.pseudonyms.get(entry.original)
    if before == entry:
        return "unchanged"
    uow.pseudonyms.put(entry)
    kind = "pseudonym.added" if before is None else "pseudonym.changed"
    payload: dict[str, Any] = {"entry": asdict(entry)}
    if before is not None:
        payload["before"] = asdict(before)
    uow.events.append(kind, payload, coder_id)
    return "added" if before is None else "changed"


def add(store: Store, entry: Pseudonym, *, coder: str | None = None) -> str:
    """Add an entry or replace the one for the same original: 'added', 'changed' or 'unchanged'."""
    with store.unit_of_work() as uow:
        _check_clashes(uow.pseudonyms.entries(), [entry])
        return _put(uow, entry, _coder_id(uow, coder))


def remove(store: Store, original: str, *, coder: str | None = None) -> Pseudonym:
    with store.unit_of_work() as uow:
        before = uow.pseudonyms.get(original.strip())
        if before is None:
            raise PseudonymError(f"No pseudonym for '{original}'.", "List them with 'qualcode pseudonyms list'.")
        uow.pseudonyms.drop(before.original)
        uow.events.append("pseudonym.removed", {"entry": asdict(before)}, _coder_id(uow, coder))
        return before


def _check_clashes(existing: list[Pseudonym], new: list[Pseudonym]) -> None:
    """One form, one entry: a form claimed by two different originals would render by chance."""
    owner: dict[str, str] = {}
    replaced = {e.original for e in new}
    for entry in [e for e in existing if e.original not in replaced] + new:
        for form in entry.all_forms():
            key = form.lower()
            if key in owner and owner[key] != entry.original:
                raise PseudonymError(f"The form '{form}' belongs to both '{owner[key]}' and '{entry.original}'.",
                                     "Give each form to one entry only.")
            owner[key] = entry.original


# ------------------------------------------------------------------ files


def _format(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise PseudonymError(f"{path}: unknown file type '{path.suffix}'.", "Use a .yaml, .yml or .csv file.")
    return kind


def read_file(path: Path) -> list[Pseudonym]:
    """The entries of a YAML or CSV file, checked; errors name the file and the entry or line."""
    import yaml  # here: retrieve and search use this module and must not load YAML

    from qualcode.importers import safe_yaml
    from qualcode.importers.decoding import decode_bytes
    from qualcode.importers.reading import read_regular_file

    kind = _format(path)
    text, _ = decode_bytes(read_regular_file(path, what="pseudonym file"), path)
    found: list[Pseudonym] = []
    if kind == "yaml":
        try:
            data = safe_yaml.load(text)
        except yaml.YAMLError as exc:
            raise PseudonymError(f"{path}, line {safe_yaml.problem_line(exc, text)}: "
                                 f"{safe_yaml.problem_text(exc)}") from None
        if isinstance(data, dict) and "pseudonyms" in data:
            data = data["pseudonyms"]
        if not isinstance(data, list):
            raise PseudonymError(f"{path}: expected a list of entries.",
                                 "Write '- original: ...' with replacement, category and forms.")
        for number, item in enumerate(data, start=1):
            where = f"{path}, entry {number}"
            if not isinstance(item, dict):
                raise PseudonymError(f"{where} is not a mapping.", "Give original, replacement, category, forms.")
            unknown = set(item) - set(CSV_COLUMNS)
            if unknown:
                raise PseudonymError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}.",
                                     f"Use {', '.join(CSV_COLUMNS)}.")
            forms = item.get("forms") or []
            if isinstance(forms, str):
                forms = [forms]
            if not isinstance(forms, list) or not all(isinstance(f, str) for f in forms):
                raise PseudonymError(f"{where}: forms must be a list of words.")
            found.append(make_entry(str(item.get("original") or ""), str(item.get("replacement") or ""),
                                    str(item.get("category") or "other"), forms, where=where))
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = {"original", "replacement"} - set(reader.fieldnames or ())
        if missing:
            raise PseudonymError(f"{path}: the header lacks {', '.join(sorted(missing))}.",
                                 f"The first line must be: {','.join(CSV_COLUMNS)}")
        for row in reader:
            where = f"{path}, line {reader.line_num}"
            forms = [f for f in (row.get("forms") or "").split("|") if f.strip()]
            found.append(make_entry(row.get("original") or "", row.get("replacement") or "",
                                    row.get("category") or "other", forms, where=where))
    originals = [e.original for e in found]
    twice = sorted({o for o in originals if originals.count(o) > 1})
    if twice:
        raise PseudonymError(f"{path}: {', '.join(twice)} listed more than once.", "Keep one entry per name.")
    _check_clashes([], found)
    return found


def import_file(store: Store, path: Path, *, coder: str | None = None) -> dict[str, int]:
    """Add or change the file's entries, all or none; counts of added, changed, unchanged."""
    new = read_file(path)
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    with store.unit_of_work() as uow:
        _check_clashes(uow.pseudonyms.entries(), new)
        coder_id = _coder_id(uow, coder)
        for entry in new:
            counts[_put(uow, entry, coder_id)] += 1
    return counts


def render_file(found: list[Pseudonym], kind: str) -> str:
    if kind == "yaml":
        import yaml

        rows = [{"original": e.original, "replacement": e.replacement, "category": e.category,
                 "forms": list(e.forms)} for e in found]
        return yaml.safe_dump(rows, allow_unicode=True, sort_keys=False)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in found:
        writer.writerow([e.original, e.replacement, e.category, "|".join(e.forms)])
    return out.getvalue()


def export_file(store: Store, path: Path, *, overwrite: bool = False) -> int:
    """Write the table to a YAML or CSV file (never over a file unless told); the entry count."""
    from qualcode.services.files import write_with

    kind = _format(path)
    found = entries(store)
    content = render_file(found, kind)
    write_with(path, lambda stream: stream.write(content), overwrite=overwrite, binary=False)
    return len(found)


# ------------------------------------------------------------------ rendering output

EXPORT_SETTING = "pseudonymise_exports"


def set_default(store: Store, on: bool, *, coder: str | None = None) -> None:
    """Turn the project's ``pseudonymise_exports`` setting on or off (an event)."""
    with store.unit_of_work() as uow:
        before = uow.settings.get(EXPORT_SETTING) == "true"
        uow.settings.set(EXPORT_SETTING, "true" if on else "false")
        if before != on:
            uow.events.append("pseudonym.default", {"pseudonymise_exports": on, "before": before},
                              _coder_id(uow, coder))


def default_on(store: Store) -> bool:
    with store.unit_of_work() as uow:
        return uow.settings.get(EXPORT_SETTING) == "true"


def output_renderer(store: Store, pseudonymise: bool | None) -> Renderer | None:
    """The renderer for output: asked for (``True``), refused (``False``), or as the project
    sets it (``None``). Asking for it with an empty table is an error, not a silent no-op."""
    if pseudonymise is None:
        pseudonymise = default_on(store)
    if not pseudonymise:
        return None
    compiled = renderer(store)
    if not compiled:
        raise PseudonymError("Pseudonymised output was asked for, but the pseudonym table is empty.",
                             "Add entries with 'qualcode pseudonyms add' or 'qualcode pseudonyms import'.")
    return compiled


@cache
def _field_names(kind: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(kind))


TEXT_FIELDS = ("text", "before", "after", "document_name", "speaker", "code_label")


def _copy_with(passage: T, changes: dict[str, Any]) -> T:
    state = getattr(passage, "__dict__", None)
    if state is None:  # a class with slots
        return replace(passage, **changes)  # type: ignore[type-var]
    copied = object.__new__(type(passage))
    object.__setattr__(copied, "__dict__", {**state, **changes})  # a frozen dataclass, without __init__ again
    return copied  # type: ignore[no-any-return]


def render_passage(compiled: Renderer, passage: T, *, skip: Sequence[str] = ()) -> T:
    """A coded passage or search hit as it may leave the project: its text, context,
    speaker, document name and attribute values rendered; offsets stay those of the
    stored text. The passage itself comes back where nothing in it changes."""
    names = _field_names(type(passage))
    render = compiled.render
    changes: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in names and name not in skip:
            value = getattr(passage, name)
            if isinstance(value, str) and value:
                done = render(value)
                if done is not value:  # the renderer hands back the same string when nothing matched
                    changes[name] = done
    if "attributes" in names:
        values = passage.attributes  # type: ignore[attr-defined]
        done_values = {k: render(v) if isinstance(v, str) else v for k, v in values.items()}
        if any(done_values[k] is not v for k, v in values.items()):
            changes["attributes"] = done_values
    if not changes:
        return passage
    return _copy_with(passage, changes)


LONG_FIELDS = ("text", "before", "after")


def render_passages(compiled: Renderer, passages: Sequence[T]) -> list[T]:
    """:func:`render_passage` over many passages, field by field rather than passage by
    passage: the long texts (text and context) of them all in one pass
    (:meth:`Renderer.render_many`), each distinct short value (document name, speaker,
    code label, attribute value) once. Only passages in which something changes are copied."""
    if not passages:
        return []
    kind = type(passages[0])
    if not all(type(p) is kind for p in passages):
        return [render_passage(compiled, p) for p in passages]
    names = _field_names(kind)
    changed: dict[str, dict[int, Any]] = {}  # field -> passage index -> its new value
    for name in LONG_FIELDS:
        if name in names:
            texts = [getattr(p, name) or "" for p in passages]
            if any(texts):  # context is often not asked for
                done = compiled.render_many(texts)
                changed[name] = {i: new for i, old, new in zip(count(), texts, done) if new is not old}
    for name in TEXT_FIELDS:
        if name in names and name not in LONG_FIELDS:
            values = [getattr(p, name) for p in passages]
            renamed = _renamed(compiled, set(values))
            if renamed:
                changed[name] = {i: renamed[v] for i, v in enumerate(values) if v in renamed}
    if "attributes" in names:
        dicts = [p.attributes for p in passages]  # type: ignore[attr-defined]
        distinct: set[Any] = set()
        for values in dicts:
            distinct.update(values.values())
        renamed = _renamed(compiled, distinct)
        if renamed:
            changed["attributes"] = {
                i: {k: renamed.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
                for i, values in enumerate(dicts) if not renamed.keys().isdisjoint(values.values())}
    changed = {name: found for name, found in changed.items() if found}
    found = list(passages)
    collecting = gc.isenabled()
    if collecting:  # the copies hold no cycles: no reason to walk the whole heap for them, as
        gc.disable()  # tens of thousands of new objects would have the collector do, often more than once
    try:
        if len(changed) == 1:  # most often only the text
            [(name, values)] = changed.items()
            for i, value in values.items():
                found[i] = _copy_with(found[i], {name: value})
        elif changed:
            for i in sorted(set().union(*changed.values())):
                found[i] = _copy_with(found[i], {name: values[i] for name, values in changed.items() if i in values})
    finally:
        if collecting:
            gc.enable()
    return found


def _renamed(compiled: Renderer, values: Iterable[Any]) -> dict[str, str]:
    """Each of ``values`` that the renderer changes, with what it becomes."""
    found = {}
    for value in values:
        if isinstance(value, str) and value:
            done = compiled.render(value)
            if done is not value:
                found[value] = done
    return found
