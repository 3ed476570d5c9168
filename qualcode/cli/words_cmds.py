"""``qualcode words``, ``qualcode kwic`` and ``qualcode keyness``: how actors speak.

Thin commands over :mod:`qualcode.services.words`; exports go through
``services/files.py`` (never over a file unless ``--force``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qualcode.cli.options import (
    AttrOption,
    DbOption,
    JsonOption,
    PseudonymiseOption,
    SetOption,
    in_sets,
    parse_filters,
    project,
)
from qualcode.cli.output import console, print_json
from qualcode.cli.saving import saveable
from qualcode.errors import ExportError

LemmaOption = Annotated[bool, typer.Option("--lemma/--form", help="Count lemmas (default) or word forms as written.")]
RoleOption = Annotated[list[str] | None, typer.Option("--role", help="Only speakers with this role (repeatable).")]
CodeOption = Annotated[list[str] | None, typer.Option("--code", help="Only words inside passages coded with this code (repeatable).")]
CodersOption = Annotated[list[str] | None, typer.Option("--coder", help="With --code: only this coder's passages (repeatable).")]
InterviewerOption = Annotated[bool, typer.Option("--include-interviewer", help="Count the interviewer's turns too.")]
LimitOption = Annotated[int, typer.Option("--limit", help="Show at most this many rows.", min=1)]
OutOption = Annotated[Path | None, typer.Option("--out", help="Also write the table to this file (.csv or .xlsx).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")]


def _selection(attr, role, code, coder, include_interviewer, store=None, sets=None, command=""):  # type: ignore[no-untyped-def]
    from qualcode.services.words import Selection

    documents = in_sets(store, sets, None, command=command).documents if sets else None
    return Selection(parse_filters(attr), list(role or []), list(code or []), list(coder or []), include_interviewer,
                     documents=tuple(documents or ()))


def _renderer(store, pseudonymise: bool | None, out: Path | None):  # type: ignore[no-untyped-def]
    """The pseudonym renderer for an --out file (asked for, or the project's setting)."""
    from qualcode.services import pseudonyms

    return pseudonyms.output_renderer(store, pseudonymise) if out is not None else None


def _export(path: Path | None, force: bool, header: list[str], rows: list[list[object]], *, docx_title: str = "",
            compiled=None) -> None:  # type: ignore[no-untyped-def]
    if path is None:
        return
    from qualcode.exporters import words_tables
    from qualcode.services.files import write_with

    if compiled is not None:  # every text cell through the pseudonym table; numbers as they are
        rows = [[compiled.render(v) if isinstance(v, str) else v for v in row] for row in rows]
        header = [compiled.render(h) for h in header]
        docx_title = compiled.render(docx_title)

    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_with(path, lambda s: words_tables.write_csv(header, rows, s), overwrite=force, binary=False)
    elif suffix == ".xlsx":
        write_with(path, lambda s: words_tables.write_xlsx(header, rows, s), overwrite=force)
    elif suffix == ".docx" and docx_title:
        write_with(path, lambda s: words_tables.write_kwic_docx(docx_title, rows, s), overwrite=force)
    else:
        kinds = ".csv or .docx" if docx_title else ".csv or .xlsx"
        raise ExportError(f"Cannot export to '{path.name}': unknown file type.", f"Name the file {kinds}.")
    console.print(f"Wrote {path}.")


@saveable("words")
def words(
    lemma: LemmaOption = True,
    attr: AttrOption = None,
    set_: SetOption = None,
    role: RoleOption = None,
    code: CodeOption = None,
    coder: CodersOption = None,
    include_interviewer: InterviewerOption = False,
    limit: LimitOption = 30,
    out: OutOption = None,
    force: ForceOption = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Word frequencies: counts, per 10,000 words, documents and speakers using each
    word; stop words and fillers left out, interviewer turns too unless asked."""
    from qualcode.services import words as service

    with project(db) as store:
        table = service.frequencies(store, _selection(attr, role, code, coder, include_interviewer, store, set_, "words"),
                                    lemma=lemma, limit=limit)
        compiled = _renderer(store, pseudonymise, out)
    _export(out, force, [table.unit, "count", "per_10000", "documents", "speakers"],
            [[w.word, w.count, w.per_10k, w.documents, w.speakers] for w in table.words], compiled=compiled)
    if as_json:
        print_json(table)
        return
    console.print(f"{table.total_words} running words ({escape(table.selection)}); "
                  f"{table.distinct} distinct {table.unit}s without stop words and fillers.")
    console.print(f"{table.unit:<24} {'count':>7} {'/10k':>8} {'docs':>5} {'speakers':>8}")
    for w in table.words:
        console.print(f"{escape(w.word):<24} {w.count:>7} {w.per_10k:>8.2f} {w.documents:>5} {w.speakers:>8}")


@saveable("kwic")
def kwic(
    query: Annotated[str, typer.Argument(help="A word, phrase or pattern: * any letters, ? one letter (kvalitet*).")],
    lemma: Annotated[bool, typer.Option("--lemma", help="Every form of the word's lemma.")] = False,
    sort: Annotated[str | None, typer.Option("--sort", help="Sort by the words right or left of the match.")] = None,
    width: Annotated[int, typer.Option("--width", help="Characters of context each side.", min=5)] = 40,
    attr: AttrOption = None,
    set_: SetOption = None,
    role: RoleOption = None,
    include_interviewer: Annotated[bool, typer.Option(
        "--include-interviewer/--no-interviewer", help="Show the interviewer's lines too (default).")] = True,
    limit: LimitOption = 50,
    cite: Annotated[str, typer.Option("--cite", help="Attribution template.")] = "({role}, {school})",
    out: Annotated[Path | None, typer.Option("--out", help="Also write the lines to this file (.csv or .docx).")] = None,
    force: ForceOption = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keywords in context: each occurrence with its left and right context and its attribution."""
    from qualcode.services import words as service

    with project(db) as store:
        page = service.kwic(store, query, _selection(attr, role, None, None, include_interviewer, store, set_, "kwic"),
                            lemma=lemma, sort=sort, width=width, limit=limit if out is None else None, cite=cite)
        compiled = _renderer(store, pseudonymise, out)
    _export(out, force, ["document", "start", "left", "match", "right", "speaker", "attribution"],
            [[x.document, x.start, x.left, x.match, x.right, x.speaker or "", x.citation] for x in page.lines],
            docx_title=f"Keyword in context: {query}", compiled=compiled)
    lines = page.lines[:limit]
    if as_json:
        print_json({"query": page.query, "total": page.total, "forms": page.forms, "lines": lines})
        return
    console.print(f"{page.total} lines for '{escape(query)}' ({escape(', '.join(page.forms[:10]))}); "
                  f"showing {len(lines)}.")
    for x in lines:
        console.print(f"{escape(x.left):>{width}} [bold]{escape(x.match)}[/bold] {escape(x.right):<{width}}  "
                      f"{escape(x.citation or x.document)}", soft_wrap=True, highlight=False)


@saveable("keyness")
def keyness(
    by: Annotated[str, typer.Option("--by", help="The attribute that makes the groups (level, role, school, ...).")],
    a: Annotated[str, typer.Option("--a", help="Group A: a value of --by.")],
    b: Annotated[str, typer.Option("--b", help="Group B: a value of --by.")],
    lemma: LemmaOption = True,
    min_freq: Annotated[int, typer.Option("--min-freq", help="Test words used at least this often in A and B together.", min=1)] = 5,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Dispersion: the word in at least this many documents of the group that uses it more.", min=1)] = 1,
    correction: Annotated[str, typer.Option("--correction", help="bh (Benjamini-Hochberg), bonferroni or none.")] = "bh",
    attr: AttrOption = None,
    set_: SetOption = None,
    role: RoleOption = None,
    code: CodeOption = None,
    include_interviewer: InterviewerOption = False,
    limit: LimitOption = 30,
    out: OutOption = None,
    force: ForceOption = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keyness: words group A uses more (or less) than group B, by log-likelihood G²,
    its p-value corrected for the number of words tested, and log ratio."""
    from qualcode.services import words as service

    with project(db) as store:
        table = service.keyness(store, by, a, b, _selection(attr, role, code, None, include_interviewer, store, set_, "keyness"),
                                lemma=lemma, min_freq=min_freq, min_docs=min_docs, correction=correction,
                                limit=limit)
        compiled = _renderer(store, pseudonymise, out)
    _export(out, force, ["word", f"count_{a}", f"count_{b}", f"per_10000_{a}", f"per_10000_{b}",
                         f"documents_{a}", f"documents_{b}", "g2", "p", "p_adjusted", "log_ratio"],
            [[k.word, k.count_a, k.count_b, k.per_10k_a, k.per_10k_b, k.documents_a, k.documents_b,
              k.g2, k.p, k.p_adjusted, k.log_ratio] for k in table.words], compiled=compiled)
    if as_json:
        print_json(table)
        return
    console.print(f"{by}={escape(a)} ({table.total_a} words) against {by}={escape(b)} ({table.total_b} words): "
                  f"{table.tested} words tested (min. frequency {table.min_freq}, in ≥ {table.min_docs} documents); "
                  f"p adjusted by {table.correction}. Log ratio > 0: more in {escape(a)}.", soft_wrap=True)
    console.print(f"{'word':<22} {a[:8]:>8} {b[:8]:>8} {'G²':>9} {'p adj.':>9} {'log ratio':>9}")
    for k in table.words:
        console.print(f"{escape(k.word):<22} {k.count_a:>8} {k.count_b:>8} {k.g2:>9.2f} {k.p_adjusted:>9.2g} "
                      f"{k.log_ratio:>9.2f}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("words")(words)
    app.command("kwic")(kwic)
    app.command("keyness")(keyness)
