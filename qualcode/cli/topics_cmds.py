"""``qualcode topics fit|list|show|compare|label|delete|export|actors|codes|candidate|suggestions``.

Thin commands over :mod:`qualcode.services.topics`; the terminal bar charts of topic
sizes and term weights are drawn here with rich.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    CodersOption,
    DbOption,
    JsonOption,
    PseudonymiseOption,
    QuietOption,
    parse_filters,
    project,
)
from qualcode.cli.output import console, escape, print_json, progress_bar
from qualcode.core.defaults import BLIND_SPOT
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services import topic_exports
    from qualcode.services import topics as service
else:
    topic_exports = lazy_module("qualcode.services.topic_exports")
    service = lazy_module("qualcode.services.topics")

app = typer.Typer(no_args_is_help=True, help="Topic models of the corpus (BERTopic): fit, browse, compare "
                  "with speakers and with the codebook, export.")

RunArg = Annotated[int, typer.Argument(help="Topic run id (see 'qualcode topics list').")]
TopicArg = Annotated[int, typer.Argument(help="Topic number within the run (-1: the outliers).")]
BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: float, largest: float, width: int = 24) -> str:
    """A horizontal bar of eighth-blocks, ``width`` cells at ``largest``."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = round(8 * width * value / largest)
    return "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")


def _settings(topics: str, min_size: int, reducer: str, clusterer: str, seed: int, selection: str,
              language: str | None, store) -> service.fitting.TopicSettings:  # type: ignore[no-untyped-def]
    n_topics: int | None
    if topics == "auto":
        n_topics = None
    else:
        try:
            n_topics = int(topics)
        except ValueError as exc:
            raise QualcodeError(f"--topics '{topics}' is neither 'auto' nor a number.",
                                "Write --topics auto or e.g. --topics 12.") from exc
    if language is None:
        from qualcode.services.embedding_cache import project_language

        language = project_language(store)
    return service.fitting.TopicSettings(n_topics=n_topics, min_topic_size=min_size, reducer=reducer,
                                         clusterer=clusterer, seed=seed, selection=selection,
                                         language=language)


def fit(
    unit: Annotated[str, typer.Option("--unit", help="What a passage is: sentence or turn.")] = "sentence",
    topics: Annotated[str, typer.Option("--topics", help="Number of topics, or auto.")] = "auto",
    min_size: Annotated[int, typer.Option("--min-size", help="Smallest topic, in segments.", min=2)] = 10,
    reducer: Annotated[str, typer.Option("--reducer", help="umap (best topics) or pca (instant preview).")] = "umap",
    clusterer: Annotated[str, typer.Option("--clusterer", help="hdbscan (finds outliers) or kmeans (every "
                                           "segment gets a topic).")] = "hdbscan",
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed and settings give the same topics.")] = 42,
    selection: Annotated[str, typer.Option("--selection", help="HDBSCAN cluster selection: leaf (more, "
                                           "smaller topics) or eom (fewer, larger).")] = "leaf",
    embedder: Annotated[str | None, typer.Option("--embedder", help="Whose cached vectors to use; default the "
                                                 "project's embedder (see 'qualcode embed').")] = None,
    language: Annotated[str | None, typer.Option("--language", help="Stop words and lemmas: sv or en; default "
                                                 "the project's language.")] = None,
    attr: Annotated[list[str] | None, typer.Option("--attr", help="Only segments whose speaker (or document) has "
                                                   "KEY=VALUE (repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Leave out segments whose speaker (or "
                                                      "document) has KEY=VALUE, e.g. role=intervjuare.")] = None,
    label: Annotated[str | None, typer.Option("--label", help="A name for the run.")] = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Fit a topic model on the project's segments (cached embeddings) and store the run."""
    with project(db) as store, progress_bar("Topics", quiet=quiet or as_json) as progress:
        settings = _settings(topics, min_size, reducer, clusterer, seed, selection, language, store)
        view = service.fit_topics(store, settings, unit=unit, embedder=embedder, label=label,
                                  attributes=parse_filters(attr), exclude=parse_filters(exclude, "--exclude"),
                                  progress=progress)
    if as_json:
        print_json(_run_dict(view))
        return
    console.print(f"Topic run {view.run.id}: {view.run.topic_count} topics in {view.run.segments} "
                  f"{view.run.unit}s.")
    if not quiet:
        _print_topics(view)


def _run_dict(view: service.RunView) -> dict:
    return {"run": view.run, "topics": [
        {"topic": t.number, "name": t.name(), "label": t.label, "size": t.size,
         "terms": [[w, s] for w, s in t.terms], "representatives": list(t.representatives),
         "candidate_code_id": t.candidate_code_id} for t in view.topics]}


def _print_topics(view: service.RunView, terms: int = 8) -> None:
    from rich.table import Table

    largest = max((t.size for t in view.topics), default=0)
    table = Table(title=f"Run {view.run.id}" + (f": {escape(view.run.label)}" if view.run.label else ""))
    table.add_column("topic", justify="right")
    table.add_column("size", justify="right")
    table.add_column("")
    table.add_column("top terms")
    for t in view.topics:
        name = f" [bold]{escape(t.label)}[/]" if t.label else ""
        words = " ".join(w for w, _ in t.terms[:terms]) if t.number != -1 else "(outliers)"
        table.add_row(str(t.number), str(t.size), f"[cyan]{bar(t.size, largest)}[/]", escape(words) + name)
    console.print(table)


def list_runs(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The stored topic runs, oldest first."""
    from rich.table import Table

    with project(db) as store:
        runs = service.list_runs(store)
    if as_json:
        print_json(runs)
        return
    if not runs:
        console.print("No topic runs yet. Fit one with 'qualcode topics fit'.")
        return
    table = Table()
    for column in ("run", "label", "unit", "segments", "topics", "reducer", "clusterer", "seed", "embedder", "created"):
        table.add_column(column)
    for r in runs:
        p = r.parameters
        table.add_row(str(r.id), escape(r.label or ""), r.unit, str(r.segments), str(r.topic_count),
                      str(p.get("reducer", "")), str(p.get("clusterer", "")), str(r.seed),
                      escape(str(p.get("embedder", ""))), r.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def show(
    run: RunArg,
    topic: Annotated[int | None, typer.Argument(help="A topic: its terms and passages.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many passages to list.", min=1)] = 10,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A run's topics (sizes and top terms as bars), or one topic's terms and passages."""
    from dataclasses import replace

    from qualcode.services import pseudonym_outputs, pseudonyms

    with project(db) as store:
        view = service.run_topics(store, run)
        passages = service.topic_passages(store, run, topic, limit=limit) if topic is not None else None
        compiled = pseudonyms.output_renderer(store, pseudonymise)
    if compiled is not None:
        view = replace(view, run=replace(view.run, label=compiled.render(view.run.label) if view.run.label else None),
                       topics=tuple(pseudonym_outputs.render_topic(compiled, t) for t in view.topics))
        passages = pseudonyms.render_passages(compiled, passages) if passages is not None else None
    if topic is None:
        if as_json:
            print_json(_run_dict(view))
            return
        p = view.run.parameters
        console.print(f"{p.get('reducer')} + {p.get('clusterer')}, topics {p.get('n_topics') or 'auto'}, "
                      f"min size {p.get('min_topic_size')}, seed {view.run.seed}, embedder {escape(str(p.get('embedder')))}")
        _print_topics(view)
        return
    chosen = next(t for t in view.topics if t.number == topic)
    if as_json:
        print_json({"topic": chosen, "passages": passages})
        return
    console.print(f"[bold]Topic {chosen.number}[/] {escape(chosen.name())}: {chosen.size} segments")
    largest = max((s for _, s in chosen.terms), default=0.0)
    for word, weight in chosen.terms:
        console.print(f"  {escape(word):>20} [cyan]{bar(weight, largest, 20):<20}[/] {weight:.3f}")
    for p in passages or []:
        mark = "*" if p.representative else " "
        prob = "" if p.probability is None else f" p={p.probability:.2f}"
        who = f" {escape(p.speaker)}" if p.speaker else ""
        console.print(f"{mark} [cyan]{escape(p.document_name)}[/] {p.start}-{p.end}{who}{prob}: "
                      f"{escape(p.text)}", soft_wrap=True)


def compare(first: RunArg, second: RunArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """How two runs' topics overlap (shared segments), and their adjusted Rand index."""
    with project(db) as store:
        result = service.compare_runs(store, first, second)
    if as_json:
        print_json({"first": first, "second": second, "shared_segments": result.shared_segments,
                    "adjusted_rand": result.adjusted_rand, "identical": result.identical,
                    "rows": [t.number for t in result.first.topics],
                    "columns": [t.number for t in result.second.topics], "overlap": result.overlap})
        return
    console.print(f"Runs {first} and {second}: {result.shared_segments} shared segments, adjusted Rand "
                  f"index {result.adjusted_rand:.3f}" + (" (identical topics)." if result.identical else "."))
    for i, t in enumerate(result.first.topics):
        row = result.overlap[i]
        if not sum(row):
            continue
        j = max(range(len(row)), key=lambda k: row[k])
        match = result.second.topics[j]
        console.print(f"  {t.number:>3} {escape(t.name(3)):<40} -> {match.number:>3} {escape(match.name(3))} "
                      f"({row[j]} of {sum(row)})")


def label(
    run: RunArg,
    text: Annotated[str, typer.Argument(help="The label; an empty string clears it.")],
    topic: Annotated[int | None, typer.Option("--topic", help="Label this topic instead of the run.")] = None,
    db: DbOption = None,
) -> None:
    """Name a run, or one of its topics."""
    with project(db) as store:
        service.label_run(store, run, text, topic=topic)
    what = f"Topic {topic} of run {run}" if topic is not None else f"Run {run}"
    console.print(f"{what} labelled '{escape(text)}'." if text.strip() else f"{what}: label cleared.")


def delete(run: RunArg, db: DbOption = None) -> None:
    """Delete a run with its topics and assignments (codings are never touched)."""
    with project(db) as store:
        gone = service.delete_run(store, run)
    console.print(f"Deleted topic run {gone.id} ({gone.topic_count} topics).")


def export(
    run: RunArg,
    path: Annotated[Path, typer.Argument(help="Output file; its suffix picks the format.")],
    view: Annotated[str, typer.Option("--view", help="topics (.csv .json .png .svg .html), assignments (.csv "
                                      ".json), actors / codes (.csv .xlsx .png .svg), or BERTopic's HTML views: "
                                      "terms, map, documents, hierarchy, heatmap.")] = "topics",
    by: Annotated[str | None, typer.Option("--by", help="For --view actors: the attribute (level, role, ...).")] = None,
    codebook: Annotated[str | None, typer.Option("--codebook", "-c", help="For --view codes: the codebook (slug).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Export a run: tables, figures for articles, or BERTopic's interactive HTML views."""
    with project(db) as store, progress_bar("Redrawing", quiet=quiet) as progress:
        written = topic_exports.export_run(store, run, path, view=view, by=by, codebook=codebook,
                                     overwrite=force, progress=progress, pseudonymise=pseudonymise)
    if not quiet:
        console.print(f"Wrote {escape(str(written))}.")


def actors(
    run: RunArg,
    by: Annotated[str, typer.Option("--by", help="Columns: an attribute (level, role, school, ...) or "
                                    "document, speaker.")],
    outliers: Annotated[bool, typer.Option("--outliers", help="Add the outliers (topic -1) as a row.")] = False,
    missing: Annotated[bool, typer.Option("--missing", help="Add a column for segments without a value.")] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level for flagging residuals.")] = 0.05,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Topics by groups of speakers: segments per cell, chi-square test, adjusted residuals."""
    from rich.table import Table

    with project(db) as store:
        matrix = service.topics_by(store, run, by, include_outliers=outliers, include_missing=missing, alpha=alpha)
    if as_json:
        print_json(matrix.to_dict())
        return
    table = Table(title=None if quiet else f"Run {run}: segments by {by}")
    table.add_column("topic")
    for c in matrix.columns:
        table.add_column(escape(c), justify="right")
    for i, t in enumerate(matrix.topics):
        cells = []
        for j, value in enumerate(matrix.values[i]):
            flag = matrix.stats.flag(i, j) if matrix.stats is not None else ""
            cells.append(f"{value}" + {"+": " [green]+[/]", "-": " [red]-[/]"}.get(flag, "  "))
        table.add_row(f"{t.number} {escape(t.name(3))}", *cells)
    console.print(table)
    if quiet:
        return
    if matrix.stats is not None:
        s = matrix.stats
        p = f"p = {s.p_value:.3f}" if s.p_value >= 0.001 else "p < 0.001"
        console.print(f"Chi-square({s.dof}, N = {s.n:g}) = {s.chi2:.2f}, {p}; Cramér's V = {s.cramers_v:.2f}.")
        console.print(f"+ / -: adjusted standardized residual beyond ±{s.critical:.2f}.")
        for warning in s.warnings:
            console.print(f"[yellow]Note:[/] {escape(warning)}")
    elif matrix.stats_note:
        console.print(f"[yellow]Note:[/] {escape(matrix.stats_note)}")


def codes(
    run: RunArg,
    codebook: Annotated[list[str] | None, typer.Option(
        "--codebook", "-c", help="Count only these codebooks' codes (repeatable); default every codebook.")] = None,
    coder: CodersOption = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Uncoded share above which a topic is a "
                                             "blind spot.")] = BLIND_SPOT,
    top: Annotated[int, typer.Option("--top", help="Codes listed per topic.", min=1)] = 3,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Topics against the codebook: each topic's most frequent codes, and its blind spots."""
    from rich.table import Table

    with project(db) as store:
        view = service.topics_vs_codes(store, run, codebook=codebook or None, coders=tuple(coder or ()),
                                       threshold=threshold)
    if as_json:
        print_json({"run": run, "codebook": view.codebook, "threshold": view.threshold,
                    "topics": [{"topic": t.topic.number, "name": t.topic.name(), "size": t.size, "coded": t.coded,
                                "uncoded_share": t.uncoded_share, "codes": t.codes} for t in view.topics],
                    "blind_spots": [t.topic.number for t in view.blind_spots]})
        return
    table = Table(title=f"Run {run} against {view.codebook}")
    for column in ("topic", "size", "uncoded", "codes (share of passages)"):
        table.add_column(column)
    blind = {t.topic.number for t in view.blind_spots}
    for t in view.topics:
        shares = ", ".join(f"{escape(c.code_key)} {c.share:.0%}" for c in t.codes[:top])
        flag = " [yellow]blind spot[/]" if t.topic.number in blind else ""
        table.add_row(f"{t.topic.number} {escape(t.topic.name(3))}", str(t.size),
                      f"{t.uncoded_share:.0%}{flag}", shares)
    console.print(table)


def candidate(
    run: RunArg,
    topic: TopicArg,
    code: Annotated[str | None, typer.Argument(help="Code key (or SLUG:KEY); leave out with --clear.")] = None,
    codebook: Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook of the code.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Unlink the topic from its code.")] = False,
    db: DbOption = None,
) -> None:
    """Make a topic a candidate for a code: its passages become suggestions, never codings."""
    if not clear and not code:
        raise QualcodeError("Name the code the topic stands for, or pass --clear.")
    with project(db) as store:
        service.make_candidate(store, run, topic, None if clear else code, codebook=codebook)
        found = [] if clear else service.candidate_suggestions(store, code or "", codebook=codebook, limit=None)
    if clear:
        console.print(f"Topic {topic} of run {run} is no longer a candidate code.")
    else:
        console.print(f"Topic {topic} of run {run} is a candidate for {escape(code or '')}: {len(found)} passages "
                      f"to review with 'qualcode topics suggestions {escape(code or '')}'.")


def suggestions(
    code: Annotated[str, typer.Argument(help="Code key (or SLUG:KEY).")],
    codebook: Annotated[str | None, typer.Option("--codebook", "-c", help="Codebook of the code.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many passages.", min=1)] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Passages that candidate topics offer for a code and that do not carry it yet."""
    with project(db) as store:
        found = service.candidate_suggestions(store, code, codebook=codebook, limit=limit)
    if as_json:
        print_json(found)
        return
    if not found:
        console.print(f"No suggestions for {escape(code)} from topics (see 'qualcode topics candidate').")
    for p in found:
        prob = "" if p.probability is None else f" p={p.probability:.2f}"
        console.print(f"[cyan]{escape(p.document_name)}[/] {p.start}-{p.end} segment {p.segment_id}{prob}: "
                      f"{escape(p.text)}", soft_wrap=True)


app.command("fit")(fit)
app.command("list")(list_runs)
app.command("show")(show)
app.command("compare")(compare)
app.command("label")(label)
app.command("delete")(delete)
app.command("export")(export)
app.command("actors")(actors)
app.command("codes")(codes)
app.command("candidate")(candidate)
app.command("suggestions")(suggestions)
