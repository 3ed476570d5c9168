"""Applying codings anchored by quotes (example codings, hand-written coding files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcode.core.codebook import Code
from qualcode.core.model import CodingOrigin
from qualcode.errors import CodingError
from qualcode.importers.anchored_codings import locate_quote, read_anchored_codings
from qualcode.services.codebook import resolve_code
from qualcode.services.corpus import find_document
from qualcode.storage.store import Store


@dataclass
class AnchoredReport:
    applied: int = 0
    memos: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


def apply_anchored_file(store: Store, path: Path, *, origin: CodingOrigin = CodingOrigin.IMPORTED,
                        strict: bool = True) -> AnchoredReport:
    """Apply one file in one transaction; with ``strict`` any unfound quote refuses it all."""
    anchored = read_anchored_codings(path)
    report = AnchoredReport(files=1)
    with store.unit_of_work() as uow:
        document = find_document(uow, anchored.document)
        text = uow.documents.text(document.id)
        coder_id = uow.coders.get_or_create(anchored.coder).id
        rows, memos = [], []
        codes: dict[str, Code] = {}
        for item in anchored.codings:
            span = locate_quote(text, item.quote, item.occurrence)
            if span is None:
                report.problems.append(f"{path}:{item.line}: quote not found in '{document.name}'"
                                       f" (occurrence {item.occurrence}): {item.quote[:60]}...")
                continue
            if item.code not in codes:  # a file names few codes many times: look each up once
                codes[item.code] = resolve_code(uow, item.code)
            code = codes[item.code]
            rows.append({"document_id": document.id, "code_id": code.id, "coder_id": coder_id,
                         "start": span[0], "end": span[1], "origin": str(origin)})
            if item.memo:
                memos.append((len(rows) - 1, item.memo))
        if report.problems and strict:
            raise CodingError(f"{len(report.problems)} quotes of {path} were not found; nothing applied.",
                              "Fix the quotes so they match the transcript exactly.")
        uow.codings.add_many(rows)
        if memos:
            placed = uow.codings.for_document(document.id, [coder_id])
            by_span = {(c.code_id, c.start, c.end): c.id for c in placed}
            for index, memo in memos:
                row = rows[index]
                coding_id = by_span[(row["code_id"], row["start"], row["end"])]
                uow.memos.add("coding", coding_id, coder_id, memo)
                report.memos += 1
        uow.events.append("codings.imported", {"file": Path(path).name, "document_id": document.id,
                                               "count": len(rows)}, coder_id)
        report.applied = len(rows)
    return report


def apply_anchored_folder(store: Store, folder: Path, **options) -> AnchoredReport:  # type: ignore[no-untyped-def]
    total = AnchoredReport()
    for path in sorted(folder.rglob("*.yaml")):
        part = apply_anchored_file(store, path, **options)
        total.applied += part.applied
        total.memos += part.memos
        total.files += 1
        total.problems.extend(part.problems)
    return total
