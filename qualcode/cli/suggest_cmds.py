"""``qualcode embed``, ``qualcode similar`` and ``qualcode suggest show|next|accept|reject|evaluate``.

``qualcode suggest DOC ...`` is short for ``qualcode suggest show DOC ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    CoderOption,
    DbOption,
    JsonOption,
    QuietOption,
    coder_name,
    parse_filters,
    project,
)
from qualcode.cli.output import console, escape, print_json, print_json_lines, progress_bar
from qualcode.core.defaults import CONFIDENT
from qualcode.core.model import SegmentKind
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    import click

    from qualcode.services import embedding_cache, suggestion_quality, suggestions
    from qualcode.services.coding import Span
else:
    embedding_cache = lazy_module("qualcode.services.embedding_cache")
    suggestion_quality = lazy_module("qualcode.services.suggestion_quality")
    suggestions = lazy_module("qualcode.services.suggestions")

EmbedderOption = Annotated[str | None, typer.Option(
    "--embedder", help="minilm, tfidf, e5, fusion:A+B[@W], or st:MODEL_FOLDER; default: the project's "
    "choice, else the default for its language.")]
KindOption = Annotated[str, typer.Option("--kind", help="Segment kind: sentence, turn or paragraph.")]
CodebookOption = Annotated[str | None, typer.Option("--codebook", "-c", help="Only codes of this codebook (slug).")]
TopOption = Annotated[int, typer.Option("--top", help="How many codes (or passages) to show.", min=1)]
DocArgument = Annotated[str, typer.Argument(help="Document name, id or unique name prefix.")]
CodeArgument = Annotated[str, typer.Argument(help="Code key, e.g. lc.bypassed (or codebook:key).")]
StartOption = Annotated[int | None, typer.Option("--start", help="First character of a selection (0-based).")]
EndOption = Annotated[int | None, typer.Option("--end", help="Character after the selection: [start, end).")]
SegmentOption = Annotated[int | None, typer.Option("--segment", help="One segment, by id (see 'show --sentences').")]
ScoreOption = Annotated[float | None, typer.Option("--score", help="The suggestion's score, kept with the verdict.")]


def _kind(value: str) -> SegmentKind:
    try:
        return SegmentKind(value)
    except ValueError as exc:
        raise QualcodeError(f"Unknown segment kind '{value}'.", "Use sentence, turn or paragraph.") from exc


class _DefaultShow(TyperGroup):
    """Treat ``suggest DOC`` as ``suggest show DOC``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


suggest_app = typer.Typer(cls=_DefaultShow, no_args_is_help=True,
                          help="Code suggestions from embeddings: show, next, accept, reject, evaluate.")


# --------------------------------------------------------------------- embed


def embed(
    embedder: EmbedderOption = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Segment kinds to embed (repeatable); default sentence.")] = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Embed every segment, code description and coded passage once; naming an embedder makes it the project's."""
    kinds = tuple(_kind(k) for k in kind) if kind else (SegmentKind.SENTENCE,)
    with project(db) as store, progress_bar("Embedding", quiet=quiet or as_json) as progress:
        report = embedding_cache.embed_project(store, embedder, kinds=kinds, progress=progress)
    if as_json:
        print_json(report)
        return
    model = report.model
    what = f"{model.name} {model.version} ({model.dimension} dimensions)" if model else report.embedder
    console.print(f"{report.texts} texts with {escape(what)}: {report.computed} embedded now, "
                  f"{report.reused} from the cache.")


# --------------------------------------------------------------------- suggest


def _print(found: list[suggestions.PassageSuggestions], as_json: bool) -> None:
    if as_json:
        print_json_lines([{
            "document": p.document_name, "document_id": p.document_id, "segment_id": p.segment_id,
            "start": p.start, "end": p.end, "coded": list(p.coded),
            "suggestions": [{"code_id": s.code_id, "code": s.code_key, "score": s.score,
                             "calibrated": s.calibrated, "method": s.method, "zero_shot": s.zero_shot, "learned": s.learned,
                             "reason": vars(s.reason)} for s in p.suggestions]} for p in found])
        return
    for p in found:
        head = f"[cyan]{escape(p.document_name)}[/] {p.start}-{p.end}"
        if p.segment_id is not None:
            head += f" segment {p.segment_id}"
        console.print(f"{head}: {escape(p.text)}", soft_wrap=True)
        for s in p.suggestions:
            quote = s.reason.text if len(s.reason.text) <= 110 else s.reason.text[:107] + "..."
            source = f"like {s.reason.document_name}" if s.reason.kind == "coded passage" else s.reason.kind
            figure = f"{round(100 * s.score):3d}%" if s.calibrated else f"{s.score:5.2f}"
            console.print(f"  {figure}  [bold]{escape(s.code_key)}[/] {escape(s.code_label)}"
                          f"  [dim]({escape(source)}: \"{escape(quote)}\")[/]", soft_wrap=True)
        if not p.suggestions:
            console.print("  [dim]no suggestion[/]")


@suggest_app.command("show")
def show(
    document: DocArgument,
    segment: SegmentOption = None,
    start: StartOption = None,
    end: EndOption = None,
    top: TopOption = 3,
    kind: KindOption = "sentence",
    uncoded: Annotated[bool, typer.Option("--uncoded", help="Only segments nobody has coded yet.")] = False,
    embedder: EmbedderOption = None,
    codebook: CodebookOption = None,
    coder: Annotated[str | None, typer.Option("--from-coder", help="Learn only from this coder's codings.")] = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Ranked code suggestions for each segment of DOC, one segment, or a selection."""
    with project(db) as store, progress_bar("Embedding", quiet=quiet or as_json) as progress:
        engine = suggestions.Suggester(store, embedder, codebook=codebook, coder=coder, progress=progress)
        if start is not None or end is not None:
            if start is None or end is None:
                raise QualcodeError("A selection needs both --start and --end.")
            found = [engine.for_span(document, start, end, top=top)]
        else:
            found = engine.for_document(document, segment_id=segment, kind=_kind(kind), top=top,
                                        uncoded_only=uncoded)
    _print(found, as_json)


@suggest_app.command("next")
def next_command(
    document: Annotated[str | None, typer.Argument(help="Document to look in; default every document.")] = None,
    after: Annotated[int, typer.Option("--after", help="Start after this character offset.")] = -1,
    min_score: Annotated[float, typer.Option("--min-score", help="Least top score that counts as confident: "
                                             "a calibrated probability once enough is coded.")] = CONFIDENT,
    uncertain: Annotated[bool, typer.Option("--uncertain", help="Instead: the passage whose coding would teach "
                                            "the model most (least sure among those like coded ones).")] = False,
    include_interviewer: Annotated[bool, typer.Option("--include-interviewer",
                                                      help="Also stop at interviewer turns.")] = False,
    top: TopOption = 3,
    kind: KindOption = "sentence",
    embedder: EmbedderOption = None,
    codebook: CodebookOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """The next uncoded segment with a confident suggestion (interviewer turns skipped)."""
    if not uncertain:
        suggestions.check_score(min_score, "--min-score")  # before the embedding, not after it
    with project(db) as store, progress_bar("Embedding", quiet=quiet or as_json) as progress:
        engine = suggestions.Suggester(store, embedder, codebook=codebook, progress=progress,
                                       include_interviewer=include_interviewer)
        if uncertain:
            found = engine.next_uncertain(document, kind=_kind(kind), top=top)
        else:
            found = engine.next_confident(document, after=after, kind=_kind(kind), min_score=min_score, top=top)
    if found is None:
        if as_json:
            print_json(None)
        elif uncertain:
            console.print("No uncoded segment left.")
        else:
            console.print(f"No uncoded segment with a suggestion scoring {min_score:.2f} or more.")
        return
    _print([found], as_json)


def _span(segment: int | None, start: int | None, end: int | None) -> Span:
    from qualcode.services.coding import Span

    return Span(start=start, end=end, segment_id=segment)


@suggest_app.command()
def accept(
    document: DocArgument,
    code: CodeArgument,
    segment: SegmentOption = None,
    start: StartOption = None,
    end: EndOption = None,
    score: ScoreOption = None,
    coder: CoderOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept a suggestion: code the span (undo with 'qualcode code undo')."""
    with project(db) as store:
        made = suggestions.accept(store, document, code, coder_name(store, coder),
                                  _span(segment, start, end), score=score)
    if as_json:
        print_json(made)
        return
    console.print(f"Coding {made.id}: [{made.start}, {made.end}) coded {escape(code)} (suggestion accepted).")


@suggest_app.command()
def reject(
    document: DocArgument,
    code: CodeArgument,
    segment: SegmentOption = None,
    start: StartOption = None,
    end: EndOption = None,
    score: ScoreOption = None,
    coder: CoderOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a suggestion: it is not made for this span again and weighs less on similar ones."""
    with project(db) as store:
        verdict = suggestions.reject(store, document, code, coder_name(store, coder),
                                     _span(segment, start, end), score=score)
    if as_json:
        print_json(verdict)
        return
    console.print(f"Rejected {escape(code)} for [{verdict.start}, {verdict.end}).")


@suggest_app.command()
def evaluate(
    embedder: Annotated[list[str] | None, typer.Option(
        "--embedder", help="Embedder to measure (repeatable); default every one available.")] = None,
    folds: Annotated[int, typer.Option("--folds", help="Number of folds (documents are kept whole).", min=2)] = 5,
    # A filter, not who is coding: the shared CoderOption would default to $QUALCODE_CODER.
    coder: Annotated[str | None, typer.Option("--coder", help="Only this coder's codings.")] = None,
    codebook: CodebookOption = None,
    per_code: Annotated[bool, typer.Option("--per-code", help="Also print precision and recall per code.")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a reliability diagram (PNG) here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --plot file if it exists.")] = False,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Held-out quality of every suggestion model side by side, the default chosen, and calibration."""
    from rich.table import Table

    if plot is not None and plot.exists() and not force:
        raise QualcodeError(f"{plot} already exists.", "Pass --force to replace it, or choose another name.")
    with project(db) as store, progress_bar("Embedding", quiet=quiet or as_json) as progress:
        results = suggestion_quality.evaluate(store, embedder, folds=folds, coder=coder,
                                              codebook=codebook, progress=progress)
        if plot is not None:
            suggestion_quality.write_reliability(results, plot, overwrite=force)
    if as_json:
        print_json(results)
        return
    table = Table(title=f"Suggestion quality ({results[0].items} coded spans, "
                        f"{results[0].folds}-fold by document)", title_justify="left")
    for column in ("Embedder", "Model", "Role", "Top-1", "Top-3", "Macro-F1", "ECE"):
        table.add_column(column)
    for r in results:
        if r.report is None:
            table.add_row(r.embedder, "unavailable", "-", "-", "-", "-", escape(r.error or ""))
            continue
        for m in r.report.methods:
            style = "bold" if m.role == "chosen" else ""
            table.add_row(r.embedder, m.method, m.role, f"{m.top1:.3f}", f"{m.top3:.3f}",
                          f"{m.macro_f1:.3f}", f"{m.ece:.3f}", style=style)
    console.print(table)
    for r in results:
        if r.report is not None:
            console.print(f"{escape(r.embedder)}: default for this project {escape(r.report.choice.reason)}; "
                          f"chosen per outer fold: {', '.join(r.report.fold_choices)}.", soft_wrap=True)
    if plot is not None:
        console.print(f"Reliability diagram written to {escape(str(plot))}.")
    if per_code:
        for r in results:
            if r.report is None:
                continue
            codes = Table(title=f"{r.embedder}: per code (suggested set: first code, and others at p >= 0.5)",
                          title_justify="left")
            for column in ("Code", "Support", "Chosen P", "Chosen R", "Chosen F1", "kNN-5 P", "kNN-5 R"):
                codes.add_column(column)
            knn = {c.code_index: c for c in r.method("knn5").per_code}
            for c in r.method("chosen").per_code:
                k = knn.get(c.code_index)
                codes.add_row(r.codes[c.code_index], str(c.support), _pct(c.precision), _pct(c.recall),
                              _pct(c.f1), _pct(k.precision if k else None), _pct(k.recall if k else None))
            console.print(codes)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


# --------------------------------------------------------------------- similar


def similar(
    document: Annotated[str | None, typer.Argument(help="Document the passage is in (not needed with --text).")] = None,
    segment: SegmentOption = None,
    start: StartOption = None,
    end: EndOption = None,
    text: Annotated[str | None, typer.Option("--text", help="Compare with this text instead of a passage.")] = None,
    top: TopOption = 10,
    attr: AttrOption = None,
    kind: KindOption = "sentence",
    embedder: EmbedderOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """The passages of the project most similar in meaning to a passage or a text."""
    with project(db) as store, progress_bar("Embedding", quiet=quiet or as_json) as progress:
        found = suggestion_quality.similar(store, document, segment_id=segment, start=start, end=end,
                                           text=text, top=top, attributes=parse_filters(attr),
                                           kind=_kind(kind), embedder=embedder, progress=progress)
    if as_json:
        print_json_lines(found)
        return
    for hit in found:
        console.print(f"{hit.similarity:5.2f} [cyan]{escape(hit.document_name)}[/] {hit.start}-{hit.end} "
                      f"segment {hit.segment_id} [dim]{escape(hit.speaker or '')}[/]: {escape(hit.text)}",
                      soft_wrap=True)
    if not found:
        console.print("No passage matches the filters.")


def register(app: typer.Typer) -> None:
    app.command()(embed)
    app.command()(similar)
    app.add_typer(suggest_app, name="suggest")
