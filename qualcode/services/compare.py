"""Comparing groups of speakers: code-by-group matrices, co-occurrence, and the passages
behind every cell.

Each public function is one user action in one unit of work. A matrix screen calls
:func:`compare` for the table (with its statistics) and :func:`cell_passages` when a
cell is chosen; the co-occurrence pair is :func:`cooccur` / :func:`cooccurrence_passages`.
Counting is done by SQL in :class:`~qualcode.storage.repositories.matrix.MatrixRepository`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from qualcode.analysis import compare as stats
from qualcode.core.codebook import Code, Codebook
from qualcode.core.model import CodedPassage, SegmentKind
from qualcode.errors import AnalysisError, NotFoundError
from qualcode.services.codebook import get_codebook, resolve_code
from qualcode.services.corpus import find_document
from qualcode.storage.records import BUILT_IN_GROUPS, CodingFilter
from qualcode.storage.store import Store

MEASURES = ("codings", "documents", "speakers", "segments", "per1000")
COUNT_MEASURES = ("codings", "documents", "speakers")
MISSING = "(none)"
COOCCURRENCE_MODES = ("overlap", "segment", "near")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ComparisonQuery:
    """Everything that defines a matrix, so a cell can be asked for again later."""

    codebook: str | None
    by: str
    measure: str = "codings"
    level: int | None = None
    rollup: bool = False
    codes: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    documents: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    include_missing: bool = False
    include_empty: bool = False
    alpha: float = 0.05

    @staticmethod
    def attrs(attributes: dict[str, list[str]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Attribute filters in the hashable form the query keeps."""
        return tuple((k, tuple(v)) for k, v in sorted((attributes or {}).items()))


@dataclass(frozen=True)
class MatrixRow:
    """A row: a code, and the codes whose codings it counts (itself, or its subtree)."""

    key: str
    label: str
    depth: int
    code_ids: tuple[int, ...]


@dataclass(frozen=True)
class GroupInfo:
    """A column and the size of its part of the corpus (for shares and rates)."""

    name: str
    sentences: int = 0
    words: int = 0
    codings: int = 0


@dataclass(frozen=True)
class ComparisonMatrix:
    query: ComparisonQuery
    codebook: Codebook
    rows: tuple[MatrixRow, ...]
    columns: tuple[GroupInfo, ...]
    values: tuple[tuple[float, ...], ...]
    codings: tuple[tuple[int, ...], ...]
    stats: stats.MatrixStats | None
    stats_basis: str
    stats_note: str | None = None
    left_out: int = 0

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for ``--json`` and scripts."""
        out: dict[str, Any] = {
            "codebook": self.codebook.slug, "version": self.codebook.version, "by": self.query.by,
            "measure": self.query.measure, "columns": list(self.column_names),
            "rows": [{"key": r.key, "label": r.label, "depth": r.depth,
                      "values": list(self.values[i]), "codings": list(self.codings[i])}
                     for i, r in enumerate(self.rows)],
            "left_out_codings": self.left_out, "statistics": None, "statistics_note": self.stats_note,
        }
        if self.stats is not None:
            s = self.stats
            out["statistics"] = {
                "basis": self.stats_basis, "chi2": s.chi2, "dof": s.dof, "p_value": s.p_value,
                "cramers_v": s.cramers_v, "n": s.n, "critical": s.critical,
                "adjusted_residuals": [[None if x != x else round(x, 4) for x in row] for row in s.residuals],
                "expected": [[None if x != x else round(x, 4) for x in row] for row in s.expected],
                "small_expected_share": s.small_share, "fisher_odds_ratio": s.fisher_odds_ratio,
                "fisher_p_value": s.fisher_p_value, "warnings": list(s.warnings)}
        return out


# ------------------------------------------------------------------ helpers


def _coder_ids(uow, names: tuple[str, ...]) -> list[int] | None:  # type: ignore[no-untyped-def]
    if not names:
        return None
    ids = []
    for name in names:
        found = uow.coders.find(name)
        if found is None:
            known = ", ".join(c.name for c in uow.coders.list()) or "none yet"
            raise NotFoundError(f"No coder '{name}' in this project (coders: {known}).",
                                "Check the spelling of --coder.")
        ids.append(found.id)
    return ids


def check_attributes(uow, keys: list[str], what: str) -> None:  # type: ignore[no-untyped-def]
    """Refuse attribute keys no document or speaker has, naming the ones that exist."""
    doc_keys, speaker_keys = uow.matrix.attribute_keys()
    known = doc_keys | speaker_keys
    for key in keys:
        if key not in known and key not in BUILT_IN_GROUPS:
            names = ", ".join(sorted(known | set(BUILT_IN_GROUPS)))
            raise NotFoundError(f"{what} {key}: no document or speaker has the attribute '{key}'.",
                                f"Use one of: {names}.")


def codes_in_tree_order(codes: list[Code]) -> list[tuple[Code, int]]:
    """Codes depth-first in codebook order, with their depth."""
    ids = {c.id for c in codes}
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id if code.parent_id in ids else None, []).append(code)
    ordered: list[tuple[Code, int]] = []

    def visit(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            ordered.append((code, depth))
            visit(code.id, depth + 1)

    visit(None, 0)
    return ordered


def _rows(uow, book: Codebook, *, level: int | None, rollup: bool,  # type: ignore[no-untyped-def]
          codes: tuple[str, ...]) -> list[MatrixRow]:
    tree = codes_in_tree_order(uow.codebooks.codes(book.id))
    wanted = {resolve_code(uow, c, book.slug).id for c in codes} if codes else None
    subtree: dict[int, list[int]] = {}
    stack: list[tuple[int, int]] = []
    for code, depth in tree:
        while stack and stack[-1][1] >= depth:
            stack.pop()
        subtree[code.id] = [code.id]
        for ancestor, _ in stack:
            subtree[ancestor].append(code.id)
        stack.append((code.id, depth))
    if level is not None and level not in {d for _, d in tree}:
        deepest = max((d for _, d in tree), default=0)
        raise AnalysisError(f"Codebook {book.slug} has no level {level} (levels 0-{deepest}).",
                            "Top-level codes are level 0.")
    rows = []
    for code, depth in tree:
        if level is not None and depth != level:
            continue
        if wanted is not None and code.id not in wanted:
            continue
        rows.append(MatrixRow(code.key, code.label_en, depth,
                              tuple(subtree[code.id]) if rollup else (code.id,)))
    if not rows:
        raise AnalysisError(f"No codes of {book.slug} match the selection.",
                            "Check --code and --level.")
    return rows


def _filter(uow, query, rows: list[MatrixRow]) -> CodingFilter:  # type: ignore[no-untyped-def]
    return CodingFilter(
        code_ids=sorted({i for r in rows for i in r.code_ids}),
        coder_ids=_coder_ids(uow, query.coders),
        document_ids=[find_document(uow, d).id for d in query.documents] if query.documents else None,
        attributes={k: list(v) for k, v in query.attributes},
    )


def words_per_group(uow, by: str, flt: CodingFilter) -> dict[str | None, int]:  # type: ignore[no-untyped-def]
    """Words spoken per group: each turn's words go to its speaker's group."""
    speakers = {s.id: s for s in uow.documents.all_speakers()}
    doc_attrs = uow.documents.all_attributes()
    turns: dict[int, list[tuple[int | None, int, int]]] = {}
    for doc_id, speaker_id, start, end in uow.matrix.turn_spans(flt.document_ids):
        turns.setdefault(doc_id, []).append((speaker_id, start, end))
    words: dict[str | None, int] = {}
    for doc in uow.documents.list():
        if flt.document_ids is not None and doc.id not in flt.document_ids:
            continue
        text = uow.documents.text(doc.id)
        for speaker_id, start, end in turns.get(doc.id, [(None, 0, len(text))]):
            speaker = speakers.get(speaker_id) if speaker_id else None
            attrs = dict(doc_attrs.get(doc.id, {}))
            if speaker is not None:
                attrs.update(speaker.attributes)
            if any(attrs.get(k) not in v for k, v in flt.attributes.items()):
                continue
            group = (doc.name if by == "document" else speaker.label if by == "speaker" and speaker
                     else None if by == "speaker" else attrs.get(by))
            words[group] = words.get(group, 0) + len(_WORD.findall(text, start, end))
    return words


# ------------------------------------------------------------------ the matrix


def check_alpha(alpha: float) -> None:
    """A significance level is in (0, 1): else the flagged residuals are "beyond ±inf" or "±nan"."""
    if not 0 < alpha < 1:
        raise AnalysisError(f"--alpha {alpha} is not a significance level between 0 and 1.",
                            "Write e.g. --alpha 0.05.")


def compare(store: Store, query: ComparisonQuery) -> ComparisonMatrix:
    """The code-by-group matrix of ``query.measure``, with a chi-square test."""
    if query.measure not in MEASURES:
        raise AnalysisError(f"Unknown measure '{query.measure}'.", f"Use one of: {', '.join(MEASURES)}.")
    check_alpha(query.alpha)
    with store.unit_of_work() as uow:
        book = get_codebook(uow, query.codebook)
        check_attributes(uow, [query.by], "--by")
        check_attributes(uow, [k for k, _ in query.attributes], "--attr")
        rows = _rows(uow, book, level=query.level, rollup=query.rollup, codes=query.codes)
        flt = _filter(uow, query, rows)
        identity = all(len(r.code_ids) == 1 for r in rows)
        row_of = {r.code_ids[0]: i for i, r in enumerate(rows)} if identity else None
        mapping = None
        if not identity:
            mapping = {}
            for i, r in enumerate(rows):
                for code_id in r.code_ids:
                    mapping.setdefault(code_id, []).append(i)
        distinct = query.measure in ("documents", "speakers")
        cells = uow.matrix.cell_counts(flt, query.by, mapping, distinct_counts=distinct)
        covered = (uow.matrix.covered_sentences(flt, query.by, mapping)
                   if query.measure == "segments" else {})
        sizes = ({g.group: g.sentences for g in uow.matrix.group_sizes(
            query.by, flt.attributes, flt.document_ids)}
            if query.measure == "segments" and query.by != "coder" else {})
        words = (words_per_group(uow, query.by, flt)
                 if query.measure == "per1000" and query.by != "coder" else {})
        if query.by == "coder" and query.measure in ("segments", "per1000"):
            raise AnalysisError(f"--measure {query.measure} needs a part of the corpus per column; "
                                "coders share one corpus.", "Use --measure codings with --by coder.")
    return _assemble(query, book, rows, row_of, cells, covered, sizes, words)


def _assemble(query, book, rows, row_of, cells, covered, sizes, words) -> ComparisonMatrix:  # type: ignore[no-untyped-def]
    present = sorted({c.group for c in cells if c.group is not None}, key=natural_key)
    if query.groups:
        unknown = [g for g in query.groups if g not in present]
        if unknown:
            raise NotFoundError(f"No codings with {query.by}={', '.join(unknown)} in this selection "
                                f"(values: {', '.join(present) or 'none'}).", "Check --group.")
        present = list(query.groups)
    has_missing = any(c.group is None for c in cells)
    names: list[str | None] = list(present)
    if query.include_missing and has_missing and not query.groups:
        names.append(None)
    index = {name: j for j, name in enumerate(names)}
    if not cells:
        raise AnalysisError("No codings match this selection.",
                            "Loosen the filters (--attr, --coder, --code) or code some passages first.")
    codings = [[0] * len(names) for _ in rows]
    value = [[0.0] * len(names) for _ in rows]
    left_out = 0
    totals = [0] * len(names)
    for cell in cells:
        i = row_of[cell.row] if row_of is not None else cell.row
        j = index.get(cell.group)
        if j is None:
            left_out += cell.codings
            continue
        codings[i][j] += cell.codings
        totals[j] += cell.codings
        value[i][j] = float({"codings": cell.codings, "documents": cell.documents,
                             "speakers": cell.speakers}.get(query.measure, cell.codings))
    columns = []
    for j, name in enumerate(names):
        sentences, n_words = sizes.get(name, 0), words.get(name, 0)
        columns.append(GroupInfo(MISSING if name is None else name, sentences, n_words, totals[j]))
        for i, _ in enumerate(rows):
            if query.measure == "segments":
                hit = covered.get((rows[i].code_ids[0] if row_of is not None else i, name), 0)
                value[i][j] = 100.0 * hit / sentences if sentences else 0.0
            elif query.measure == "per1000":
                value[i][j] = 1000.0 * codings[i][j] / n_words if n_words else 0.0
    keep = [i for i in range(len(rows)) if query.include_empty or any(codings[i])]
    if not keep:
        raise AnalysisError("No codings match this selection.", "Loosen the filters.")
    rows = [rows[i] for i in keep]
    codings = [codings[i] for i in keep]
    value = [value[i] for i in keep]
    basis = query.measure if query.measure in COUNT_MEASURES else "codings"
    table = value if basis == query.measure else codings
    result_stats, note = None, None
    try:
        result_stats = stats.chi_square(table, alpha=query.alpha)
    except ValueError as exc:
        note = f"No chi-square test: {exc}."
    return ComparisonMatrix(
        query=query, codebook=book, rows=tuple(rows), columns=tuple(columns),
        values=tuple(tuple(r) for r in value), codings=tuple(tuple(r) for r in codings),
        stats=result_stats, stats_basis=basis, stats_note=note, left_out=left_out)


def natural_key(value: str) -> list[Any]:
    """'skola 10' after 'skola 9'."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", value)]


# ------------------------------------------------------------------ cell passages


def cell_passages(store: Store, query: ComparisonQuery, row: str, column: str, *,
                  limit: int | None = None, context: int = 0) -> list[CodedPassage]:
    """The passages counted in one cell of the matrix ``query`` describes."""
    with store.unit_of_work() as uow:
        book = get_codebook(uow, query.codebook)
        check_attributes(uow, [query.by], "--by")
        rows = _rows(uow, book, level=None, rollup=query.rollup, codes=())
        found = [r for r in rows if r.key == row or f"{book.slug}:{r.key}" == row]
        if not found:
            raise NotFoundError(f"No code '{row}' in codebook {book.slug}.",
                                "Give a row's code key as shown by 'qualcode compare'.")
        flt = _filter(uow, query, found)
        attributes = dict(flt.attributes)
        post: dict[str, str | None] = {}
        doc_ids, coder_ids = flt.document_ids, flt.coder_ids
        if query.by == "document":
            wanted = find_document(uow, column).id
            doc_ids = [wanted] if doc_ids is None or wanted in doc_ids else []
        elif query.by == "coder":
            wanted_coder = _coder_ids(uow, (column,)) or []
            coder_ids = [c for c in wanted_coder if coder_ids is None or c in coder_ids]
        elif query.by == "speaker" or column == MISSING:
            _check_column(uow, query.by, column)
            post[query.by] = None if column == MISSING else column
        else:
            _check_column(uow, query.by, column)
            previous = attributes.get(query.by)
            attributes[query.by] = [column] if previous is None or column in previous else []
        narrowed = CodingFilter(code_ids=flt.code_ids, coder_ids=coder_ids, document_ids=doc_ids,
                                attributes=attributes)
        passages = uow.codings.passages(narrowed, limit=None if post else limit, context=context)
    if post:
        key, wanted_value = next(iter(post.items()))
        if key == "speaker":
            passages = [p for p in passages if (p.speaker or None) == wanted_value]
        else:
            passages = [p for p in passages if p.attributes.get(key) == wanted_value]
        passages = passages[:limit] if limit is not None else passages
    return passages


def _check_column(uow, by: str, column: str) -> None:  # type: ignore[no-untyped-def]
    """Refuse a column no part of the corpus has: a misspelt value would read as an empty cell."""
    if column == MISSING:
        return
    values = sorted({g.group for g in uow.matrix.group_sizes(by) if g.group is not None}, key=natural_key)
    if column not in values:
        shown = ", ".join(values[:20]) + (", ..." if len(values) > 20 else "")
        raise NotFoundError(f"--cell column '{column}' is not a value of {by} (columns: {shown or 'none'}).",
                            f"Give a column as shown by 'qualcode compare --by {by}'.")


# ------------------------------------------------------------------ co-occurrence


NEAR_WINDOW = 1  # sentences either side that --mode near counts without --window


@dataclass(frozen=True)
class CooccurrenceQuery:
    codebook: str | None
    mode: str = "overlap"
    window: int | None = None  # --mode near only; None: one sentence (NEAR_WINDOW)
    level: int | None = None
    rollup: bool = False
    codes: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    documents: tuple[str, ...] = ()
    include_empty: bool = False


    @property
    def sentences(self) -> int:
        """The window of --mode near in sentences, the default where none was given."""
        return NEAR_WINDOW if self.window is None else self.window


@dataclass(frozen=True)
class CooccurrenceMatrix:
    query: CooccurrenceQuery
    codebook: Codebook
    rows: tuple[MatrixRow, ...]
    counts: tuple[tuple[int, ...], ...]
    pairs: dict[tuple[int, int], tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"codebook": self.codebook.slug, "mode": self.query.mode, "window": self.query.sentences,
                "codes": [r.key for r in self.rows], "counts": [list(r) for r in self.counts]}


def _cooccurrence(uow, query: CooccurrenceQuery) -> tuple[Codebook, list[MatrixRow], stats.Cooccurrence]:  # type: ignore[no-untyped-def]
    if query.mode not in COOCCURRENCE_MODES:
        raise AnalysisError(f"Unknown co-occurrence mode '{query.mode}'.",
                            f"Use one of: {', '.join(COOCCURRENCE_MODES)}.")
    if query.window is not None and query.mode != "near":  # else the window is dropped unseen
        raise AnalysisError(f"--window counts sentences for --mode near only, not --mode {query.mode}.",
                            "Add --mode near, or leave --window out.")
    if query.sentences < 0:
        raise AnalysisError("--window must be 0 or more sentences.")
    if query.rollup and query.level is None:
        raise AnalysisError("--rollup needs --level for co-occurrence (each coding must count for one row).",
                            "Add e.g. --level 0.")
    book = get_codebook(uow, query.codebook)
    check_attributes(uow, [k for k, _ in query.attributes], "--attr")
    rows = _rows(uow, book, level=query.level, rollup=query.rollup, codes=query.codes)
    row_of = {code_id: i for i, r in enumerate(rows) for code_id in r.code_ids}
    flt = _filter(uow, query, rows)
    codings = uow.codings.list(flt)
    starts: dict[int, list[tuple[int, int]]] = {}
    for doc_id in {c.document_id for c in codings}:
        starts[doc_id] = [(s.start, s.end) for s in uow.documents.segments(doc_id, SegmentKind.SENTENCE)]
    spans = []
    from bisect import bisect_left, bisect_right

    for c in codings:
        sentences = starts.get(c.document_id, [])
        begins = [s for s, _ in sentences]
        first = max(bisect_right(begins, c.start) - 1, 0)
        last = max(bisect_left(begins, c.end) - 1, first)
        spans.append(stats.Span(c.id, row_of[c.code_id], c.document_id, c.start, c.end, first, last))
    return book, rows, stats.cooccurrence(spans, len(rows), mode=query.mode, window=query.sentences)


def cooccur(store: Store, query: CooccurrenceQuery) -> CooccurrenceMatrix:
    """Code-by-code counts of coding pairs that occur together."""
    with store.unit_of_work() as uow:
        book, rows, found = _cooccurrence(uow, query)
    keep = [i for i in range(len(rows)) if query.include_empty or found.counts[i][i]]
    if not keep:
        raise AnalysisError("No codings match this selection.", "Loosen the filters.")
    renumber = {old: new for new, old in enumerate(keep)}
    counts = tuple(tuple(found.counts[i][j] for j in keep) for i in keep)
    pairs = {(renumber[a], renumber[b]): v for (a, b), v in found.pairs.items()
             if a in renumber and b in renumber}
    return CooccurrenceMatrix(query, book, tuple(rows[i] for i in keep), counts, pairs)


def cooccurrence_passages(store: Store, query: CooccurrenceQuery, first: str, second: str, *,
                          context: int = 0) -> list[tuple[CodedPassage, CodedPassage]]:
    """The coding pairs behind one cell of the co-occurrence matrix."""
    with store.unit_of_work() as uow:
        _, rows, found = _cooccurrence(uow, query)
        keys = [r.key for r in rows]
        for key in (first, second):
            if key not in keys:
                raise NotFoundError(f"Code '{key}' is not a row of this co-occurrence matrix.",
                                    f"Rows: {', '.join(keys)}.")
        a, b = keys.index(first), keys.index(second)
        pairs = found.pairs.get((min(a, b), max(a, b)), ())
        ids = sorted({i for pair in pairs for i in pair})
        by_id = {p.coding_id: p for p in uow.codings.passages(
            CodingFilter(code_ids=sorted({i for r in rows for i in r.code_ids})), limit=None,
            context=context) if p.coding_id in set(ids)}
    ordered = [(by_id[x], by_id[y]) for x, y in pairs]
    return ordered if a <= b else [(y, x) for x, y in ordered]
