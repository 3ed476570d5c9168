"""``qualcode words``, ``qualcode kwic`` and ``qualcode keyness``: how actors speak.

Thin commands over :mod:`qualcode.services.words`; exports go through
``services/files.py`` (never over a file unless ``--force``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qualcode.cli.options import (
    AttrOption,
    CodebookOption,
    CoderOption,
    DbOption,
    JsonOption,
    PseudonymiseOption,
    SetOption,
    coder_name,
    parse_filters,
    project,
)
from qualcode.cli.output import console, print_json
from qualcode.cli.saving import saveable
from qualcode.errors import CodingError, ExportError

LemmaOption = Annotated[bool, typer.Option("--lemma/--form", help="Count lemmas (default) or word forms as written.")]
RoleOption = Annotated[list[str] | None, typer.Option("--role", help="Only speakers with this role (repeatable).")]
CodeOption = Annotated[list[str] | None, typer.Option("--code", help="Only words inside passages coded with this code (repeatable).")]
CodersOption = Annotated[list[str] | None, typer.Option("--coder", help="With --code: only this coder's passages (repeatable).")]
InterviewerOption = Annotated[bool, typer.Option("--include-interviewer", help="Count the interviewer's turns too.")]
LimitOption = Annotated[int, typer.Option("--limit", help="Show at most this many rows.", min=1)]
OutOption = Annotated[Path | None, typer.Option("--out", help="Also write the table to this file (.csv or .xlsx).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --out (or picture) file if it exists.")]
CLOUD_WORDS = 100  # words in a cloud, whatever --limit shows


def _picture(path: Path, force: bool, draw, *, kinds: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Write a picture with ``draw(stream, fmt)``, the format from the file's suffix."""
    from qualcode.services.files import write_with

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in kinds:
        raise ExportError(f"Cannot draw '{path.name}': unknown picture type.",
                          f"Name the file {' or '.join('.' + k for k in kinds)}.")
    write_with(path, lambda stream: draw(stream, fmt), overwrite=force, binary=fmt != "html")
    console.print(f"Wrote {path}.")


def _selection(attr, role, code, coder, include_interviewer, store=None, sets=None, command=""):  # type: ignore[no-untyped-def]
    """The words the options choose; ``--set`` keeps to a document set's documents or to
    a passage set's passages."""
    from qualcode.services.words import Selection, in_sets

    chosen = Selection(parse_filters(attr), list(role or []), list(code or []), list(coder or []), include_interviewer)
    return in_sets(store, chosen, sets, command=command) if sets else chosen


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
    cloud: Annotated[Path | None, typer.Option(
        "--cloud", help=f"Also draw a word cloud of the {CLOUD_WORDS} most frequent words (.png or .svg).")] = None,
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
                                    lemma=lemma, limit=max(limit, CLOUD_WORDS) if cloud else limit)
        compiled = _renderer(store, pseudonymise, out or cloud)
    if cloud is not None:
        from qualcode.exporters.word_cloud import write_cloud

        drawn = [(compiled.render(w.word) if compiled else w.word, w.count) for w in table.words[:CLOUD_WORDS]]
        _picture(cloud, force, lambda stream, fmt: write_cloud(drawn, stream, fmt=fmt), kinds=("png", "svg"))
        table = dataclasses.replace(table, words=table.words[:limit])
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
    width: Annotated[int, typer.Option("--width", help="Characters of context each side.", min=5,
                                       max=1000)] = 40,
    attr: AttrOption = None,
    set_: SetOption = None,
    role: RoleOption = None,
    include_interviewer: Annotated[bool, typer.Option(
        "--include-interviewer/--no-interviewer", help="Show the interviewer's lines too (default).")] = True,
    limit: LimitOption = 50,
    cite: Annotated[str, typer.Option("--cite", help="Attribution template.")] = "({role}, {school})",
    out: Annotated[Path | None, typer.Option("--out", help="Also write the lines to this file (.csv or .docx).")] = None,
    apply: Annotated[str | None, typer.Option(
        "--apply", help="Code the lines' sentences with this code (all lines, or those of --lines).")] = None,
    lines_chosen: Annotated[str | None, typer.Option(
        "--lines", help="With --apply: the lines to code, numbered as shown (1,3-5).")] = None,
    unit: Annotated[str, typer.Option("--unit", help="With --apply: code each line's sentence, the match only, or the turn.")]
    = "sentence",
    coder: CoderOption = None,
    codebook: CodebookOption = None,
    force: ForceOption = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keywords in context: each occurrence with its left and right context and its attribution."""
    from qualcode.services import words as service

    if apply is not None:
        _code_lines(query, apply, coder, codebook, lines_chosen, unit, lemma, sort,
                    (attr, role, None, None, include_interviewer, set_), db, as_json)
        return
    if lines_chosen is not None:
        raise CodingError("--lines chooses the lines to code: it needs --apply CODE.",
                              "Add --apply CODE --coder NAME, or leave --lines out.")
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
    for number, x in enumerate(lines, start=1):
        console.print(f"{number:>4} {escape(x.left):>{width}} [bold]{escape(x.match)}[/bold] "
                      f"{escape(x.right):<{width}}  {escape(x.citation or x.document)}", soft_wrap=True,
                      highlight=False)


def _code_lines(query, code, coder, codebook, lines_chosen, unit, lemma, sort, filters, db,  # type: ignore[no-untyped-def]
                as_json) -> None:
    from qualcode.services.kwic_coding import code_concordance, parse_lines

    numbers = parse_lines(lines_chosen) if lines_chosen is not None else None
    with project(db) as store:
        *chosen, set_ = filters
        selection = _selection(*chosen, store, set_, "kwic")
        coder = coder_name(store, coder)
        done = code_concordance(store, query, code, coder, selection, lines=numbers, lemma=lemma, sort=sort,
                                unit=unit, codebook=codebook)
    if as_json:
        print_json(done)
        return
    kept = f"; {done.already_coded} already had it" if done.already_coded else ""
    console.print(f"Coded {len(done.codings)} {done.unit} passage(s) from {len(done.lines)} of "
                  f"{done.total_lines} lines with '{escape(done.code)}'{kept}. 'qualcode code undo --coder "
                  f"{escape(coder)}' takes them all back.", soft_wrap=True)


@saveable("keyness")
def keyness(
    by: Annotated[str, typer.Option("--by", help="The attribute that makes the groups (level, role, school, ...), "
                                    "or 'set': groups A and B are saved sets (a passage set: its passages' words).")],
    a: Annotated[str, typer.Option("--a", help="Group A: a value of --by (a set's name with --by set).")],
    b: Annotated[str, typer.Option("--b", help="Group B: a value of --by (a set's name with --by set).")],
    lemma: LemmaOption = True,
    min_freq: Annotated[int, typer.Option("--min-freq", help="Test words used at least this often in A and B together.", min=1)] = 5,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Dispersion: the word in at least this many documents of the group that uses it more.", min=1)] = 1,
    correction: Annotated[str, typer.Option("--correction", help="bh (Benjamini-Hochberg), bonferroni or none.")] = "bh",
    side: Annotated[str, typer.Option("--side", help="List the words A uses more (a), B uses more (b), or both.")]
    = "both",
    attr: AttrOption = None,
    set_: SetOption = None,
    role: RoleOption = None,
    code: CodeOption = None,
    include_interviewer: InterviewerOption = False,
    limit: LimitOption = 30,
    out: OutOption = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also draw the two-group term plot (.png, .svg, or .html to explore).")] = None,
    label: Annotated[int, typer.Option("--label", help="With --plot: label this many key words each way.",
                                       min=0)] = 10,
    force: ForceOption = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keyness: words group A uses more (or less) than group B, by log-likelihood G²,
    its p-value corrected for the number of words tested, and log ratio."""
    from qualcode.services import words as service

    with project(db) as store:
        selection = _selection(attr, role, code, None, include_interviewer, store, set_, "keyness")
        table = service.keyness(store, by, a, b, selection, lemma=lemma, min_freq=min_freq, min_docs=min_docs,
                                correction=correction, limit=None if plot else limit,
                                side="both" if plot else side)
        if plot is not None:
            from qualcode.exporters.keyness_plot import FORMATS, write_term_plot

            suffix = plot.suffix.lower().lstrip(".")
            if suffix not in FORMATS:  # before the concordance lines are looked up
                raise ExportError(f"Cannot draw '{plot.name}': unknown picture type.", "Name the file .png, .svg or .html.")
            data = service.term_plot(store, table, selection, lemma=lemma, label=label,
                                     examples=40 if suffix == "html" else 0, pseudonymise=pseudonymise)
            _picture(plot, force, lambda stream, fmt: write_term_plot(data, stream, fmt=fmt), kinds=FORMATS)
            shown = [k for k in table.words if side == "both" or (k.log_ratio > 0) == (side == "a")]
            table = dataclasses.replace(table, words=shown[:limit])
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


def collocations(
    node: Annotated[str, typer.Argument(help="The node word or pattern: * any letters, ? one letter.")],
    window: Annotated[int, typer.Option("--window", help="Running words each side of the node.", min=1)] = 5,
    min_count: Annotated[int, typer.Option("--min-count", help="List collocates seen at least this often near the node.", min=1)] = 2,
    sort: Annotated[str, typer.Option("--sort", help="ll (log-likelihood), mi or count.")] = "ll",
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
    """Collocations: words near a node word, with mutual information, log-likelihood G² and its p-value."""
    from qualcode.services import collocations as service

    with project(db) as store:
        table = service.collocations(store, node,
                                     _selection(attr, role, code, coder, include_interviewer, store, set_, "collocations"),
                                     window=window, min_count=min_count, lemma=lemma, sort=sort, limit=limit)
        compiled = _renderer(store, pseudonymise, out)
    _export(out, force, [table.unit, "count", "left", "right", "frequency", "expected", "mi", "g2", "p"],
            [[c.word, c.count, c.left, c.right, c.frequency, c.expected, c.mi, c.g2, c.p]
             for c in table.collocates], compiled=compiled)
    if as_json:
        print_json(table)
        return
    console.print(f"'{escape(node)}' ({escape(', '.join(table.forms[:10]))}) occurs {table.node_count} times in "
                  f"{table.total_words} running words ({escape(table.selection)}); {table.window} words each side, "
                  f"{table.window_words} words in the windows. Collocates seen ≥ {table.min_count} times and "
                  f"more often than expected, by {dict(ll='G²', mi='MI', count='count')[table.sort]}.",
                  soft_wrap=True)
    console.print(f"{table.unit:<18} {'count':>6} {'left':>5} {'right':>5} {'freq':>6} {'expect':>7} "
                  f"{'MI':>6} {'G²':>8} {'p':>9}")
    for c in table.collocates:
        console.print(f"{escape(c.word):<18} {c.count:>6} {c.left:>5} {c.right:>5} {c.frequency:>6} "
                      f"{c.expected:>7.2f} {c.mi:>6.2f} {c.g2:>8.2f} {c.p:>9.2g}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("collocations")(collocations)
    app.command("words")(words)
    app.command("kwic")(kwic)
    app.command("keyness")(keyness)
