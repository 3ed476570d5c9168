"""``qualcode agreement``: statistics (the default), samples, rounds, disagreements,
adjudication and export. Each command calls one function of services.agreement."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    CoderOption,
    DbOption,
    FormatOption,
    JsonOption,
    PseudonymiseOption,
    QuietOption,
    ReplaceFileOption,
    SetOption,
    coder_name,
    in_sets,
    parse_filters,
    project,
)
from qualcode.cli.output import console, print_json, progress_bar
from qualcode.core.agreement import CONSENSUS, AgreementReport
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services import agreement as service
else:
    service = lazy_module("qualcode.services.agreement")

app = typer.Typer(help="Inter-coder agreement: statistics, double-coding samples, disagreements and "
                       "adjudication. Without a command: print the agreement table.",
                  invoke_without_command=True)

CodersOption = Annotated[str | None, typer.Option(
    "--coders", help="Comma-separated coders to compare (default: the sample's, or every coder with codings).")]
UnitOption = Annotated[str, typer.Option(
    "--unit", help="segment (sentences/turns, presence of each code), character (NVivo), overlap "
                   "(MAXQDA), unitized (Krippendorff's alpha_U and the 2016 family) or gamma "
                   "(Mathet's gamma, two coders at a time).")]
ConventionOption = Annotated[str, typer.Option(
    "--convention", help="Whose documented rules to follow: qualcode (default), nvivo, maxqda or atlasti.")]
OverlapOption = Annotated[str, typer.Option(
    "--overlap", help="--unit overlap: shared text over the union of both segments (union, default) "
                      "or over the longer segment (longer).")]
WeightLevelOption = Annotated[str, typer.Option(
    "--weight-level", help="Level of measurement of coding weights for alpha: interval (default), "
                           "ordinal, ratio or nominal.")]
GammaSamplesOption = Annotated[int, typer.Option(
    "--gamma-samples", help="--unit gamma: random continua for the expected disorder.", min=2)]
FiguresOption = Annotated[bool, typer.Option(
    "--all-figures", help="Show every figure (expected agreement, D_e, AC1, ...), not only the most used.")]
ByOption = Annotated[str, typer.Option("--by", help="Rows per code (pooled over documents) or per document.")]
SampleOption = Annotated[str | None, typer.Option("--sample", help="Only this sample (round).")]
DocOption = Annotated[list[str] | None, typer.Option("--doc", help="Only this document (repeatable).")]
CodebookOption = Annotated[str | None, typer.Option("--codebook", "-c", help="Every code of this codebook (slug).")]
CodeOption = Annotated[list[str] | None, typer.Option("--code", help="Only this code (repeatable).")]
KindOption = Annotated[str, typer.Option("--segment-kind", help="Segment unit: sentence or turn.")]
ThresholdOption = Annotated[float, typer.Option(
    "--threshold", help="Overlap a segment needs to match under --unit overlap (0-1).")]
ResamplesOption = Annotated[int, typer.Option(
    "--resamples", help="Bootstrap resamples for the 95 % intervals of kappa and alpha (0: none).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")]


def _split(text: str | None) -> list[str] | None:
    """Comma-separated names; None only when the option was not given, so that '--coders ,'
    reaches the service as no names rather than as the default."""
    return [part.strip() for part in text.split(",") if part.strip()] if text is not None else None


def _report(db: str | None, coders: str | None, unit: str, by: str, sample: str | None,
            doc: list[str] | None, attr: list[str] | None, codebook: str | None, code: list[str] | None,
            segment_kind: str, threshold: float, resamples: int, seed: int, quiet: bool, *,
            convention: str = "qualcode", overlap: str = "union", weight_level: str = "interval",
            gamma_samples: int = 30, sets: list[str] | None = None,
            pseudonymise: bool | None = False) -> AgreementReport:
    from qualcode.services import agreement as service

    with project(db) as store, progress_bar("Agreement", quiet=quiet) as progress:
        documents = in_sets(store, sets, doc, command="agreement").documents
        return service.agreement_report(
            store, coders=_split(coders), unit=unit, by=by, segment_kind=segment_kind, sample=sample,
            documents=documents, attributes=parse_filters(attr), codebook=codebook, codes=code,
            threshold=threshold, resamples=resamples, seed=seed, convention=convention,
            overlap=overlap, weight_level=weight_level, gamma_samples=gamma_samples, progress=progress,
            pseudonymise=pseudonymise)


def _print_report(report: AgreementReport, *, methods: bool, all_figures: bool = False) -> None:
    from rich.table import Table

    from qualcode.exporters.agreement_report import (
        methods_paragraph,
        row_style,
        statistic_names,
        table,
        title,
        undefined_reasons,
    )

    header, rows = table(report, "all" if all_figures else "main")
    grid = Table(title=title(report), title_justify="left")
    for column in header:
        grid.add_column(column, overflow="fold")
    for cells in rows:
        grid.add_row(*cells, style=row_style(cells[0]) or None)
    console.print(grid)
    hidden = [] if all_figures else statistic_names(report, "more")
    if hidden:
        console.print(f"{len(hidden)} more figures (expected agreement and others): --all-figures or --json.",
                      soft_wrap=True, markup=False)
    console.print(f"Unit: {report.unit_description}", soft_wrap=True, markup=False)
    for line in [*report.notes, *undefined_reasons(report)]:
        console.print(f"- {line}", soft_wrap=True, markup=False)
    if methods:
        console.print()
        console.print(methods_paragraph(report), soft_wrap=True, markup=False)


@app.callback()
def report(
    ctx: typer.Context,
    coders: CodersOption = None,
    unit: UnitOption = "segment",
    by: ByOption = "code",
    sample: SampleOption = None,
    doc: DocOption = None,
    set_: SetOption = None,
    attr: AttrOption = None,
    codebook: CodebookOption = None,
    code: CodeOption = None,
    segment_kind: KindOption = "sentence",
    threshold: ThresholdOption = 0.9,
    resamples: ResamplesOption = 1000,
    seed: SeedOption = 2024,
    convention: ConventionOption = "qualcode",
    overlap: OverlapOption = "union",
    weight_level: WeightLevelOption = "interval",
    gamma_samples: GammaSamplesOption = 30,
    all_figures: FiguresOption = False,
    methods: Annotated[bool, typer.Option("--methods", help="Also print the methods paragraph.")] = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Agreement per code and pooled (percent, kappa, alpha, AC1, gamma ...), with the unit and
    convention stated."""
    if ctx.invoked_subcommand is not None:
        return
    result = _report(db, coders, unit, by, sample, doc, attr, codebook, code, segment_kind, threshold,
                     resamples, seed, quiet or as_json, convention=convention, overlap=overlap,
                     weight_level=weight_level, gamma_samples=gamma_samples, sets=set_,
                     pseudonymise=pseudonymise)
    if as_json:
        from qualcode.exporters.agreement_report import methods_paragraph

        print_json({"report": result, "convention": result.convention, "unit": result.unit,
                    "methods": methods_paragraph(result)})
        return
    _print_report(result, methods=methods, all_figures=all_figures)


@app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="Output file: .csv, .md or .docx.")],
    fmt: FormatOption = None,
    force: ReplaceFileOption = False,
    coders: CodersOption = None,
    unit: UnitOption = "segment",
    by: ByOption = "code",
    sample: SampleOption = None,
    doc: DocOption = None,
    set_: SetOption = None,
    attr: AttrOption = None,
    codebook: CodebookOption = None,
    code: CodeOption = None,
    segment_kind: KindOption = "sentence",
    threshold: ThresholdOption = 0.9,
    resamples: ResamplesOption = 1000,
    seed: SeedOption = 2024,
    convention: ConventionOption = "qualcode",
    overlap: OverlapOption = "union",
    weight_level: WeightLevelOption = "interval",
    gamma_samples: GammaSamplesOption = 30,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write the agreement report to CSV, Markdown or DOCX (with the methods paragraph)."""
    from qualcode.services import agreement as service

    result = _report(db, coders, unit, by, sample, doc, attr, codebook, code, segment_kind, threshold,
                     resamples, seed, quiet, convention=convention, overlap=overlap,
                     weight_level=weight_level, gamma_samples=gamma_samples, sets=set_,
                     pseudonymise=pseudonymise)
    written = service.export_report(result, path, fmt=fmt, overwrite=force)
    if not quiet:
        console.print(f"Wrote {written}.")


# ------------------------------------------------------------------- samples


@app.command("sample")
def sample_command(
    name: Annotated[str, typer.Argument(help="Name of the sample (one training or reliability round).")],
    coders: Annotated[str, typer.Option("--coders", help="Comma-separated coders who double-code it.")],
    size: Annotated[int, typer.Option("--size", help="How many documents (or sentences) to draw.")],
    unit: Annotated[str, typer.Option("--unit", help="document or segment (sentences).")] = "document",
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: a fresh one, stored).")] = None,
    stratify: Annotated[str | None, typer.Option("--stratify", help="Document attribute to stratify by, e.g. level.")] = None,
    attr: AttrOption = None,
    exclude: Annotated[str | None, typer.Option(
        "--exclude", help="Comma-separated earlier samples whose documents are left out (a new round).")] = None,
    set_: SetOption = None,
    coder: CoderOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draw a random (optionally stratified) sample for coders to code independently.

    With --set the draw is made from the set's documents only: keep the documents a round
    was drawn from in a set, and the same seed draws the same round after more are imported."""
    from qualcode.services import agreement as service

    with project(db) as store:
        pool = in_sets(store, set_, None, command="agreement sample").documents
        supervisor = coder or None
        if supervisor is None:
            try:
                supervisor = coder_name(store, None)
            except QualcodeError:
                supervisor = None
        made = service.draw_sample(store, name, _split(coders) or [], size=size, unit=unit, seed=seed,
                                   stratify_by=stratify, attributes=parse_filters(attr), supervisor=supervisor,
                                   exclude_samples=_split(exclude) or [], documents=pool)
        docs = {d.id: d.name for d in _documents(store)}
    if as_json:
        print_json(made)
        return
    what = f"{len(made.segment_ids)} sentences in " if made.unit == "segment" else ""
    console.print(f"Sample '{made.name}' (seed {made.seed}): {what}{len(made.document_ids)} documents "
                  f"for {', '.join(made.coders)}.")
    for doc_id in made.document_ids:
        console.print(f"  {docs.get(doc_id, doc_id)}")


def _documents(store):  # type: ignore[no-untyped-def]
    from qualcode.services.corpus import list_documents

    return list_documents(store)


@app.command("samples")
def samples(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List samples with their coders and who has marked them done."""
    from rich.table import Table

    from qualcode.services import agreement as service

    with project(db) as store:
        found = service.list_samples(store)
    if as_json:
        print_json(found)
        return
    grid = Table(title=f"Samples ({len(found)})", title_justify="left")
    for column in ("Name", "Unit", "Items", "Seed", "Stratified by", "Coders", "Done"):
        grid.add_column(column, overflow="fold")
    for s in found:
        items = len(s.segment_ids) if s.unit == "segment" else len(s.document_ids)
        grid.add_row(s.name, s.unit, str(items), str(s.seed), s.stratify_by or "-", ", ".join(s.coders),
                     ", ".join(s.done) or "-")
    console.print(grid)


@app.command("done")
def done(
    sample: Annotated[str, typer.Argument(help="Sample name.")],
    undo: Annotated[bool, typer.Option("--undo", help="Reopen: hide the others' codings again.")] = False,
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Mark your coding of a sample done (the others' codings on it become visible)."""
    from qualcode.services import agreement as service

    with project(db) as store:
        info = service.mark_done(store, sample, coder_name(store, coder), done=not undo)
    console.print(f"Sample '{info.name}': done {', '.join(info.done) or 'nobody yet'} "
                  f"of {', '.join(info.coders)}.")


@app.command("rounds")
def rounds_command(
    resamples: ResamplesOption = 200,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pooled agreement per sample, in the order drawn: do the coders converge?"""
    from rich.table import Table

    from qualcode.services import agreement as service

    with project(db) as store:
        found = service.rounds(store, resamples=resamples)
    if as_json:
        print_json(found)
        return
    from qualcode.exporters.agreement_report import figure

    grid = Table(title="Agreement per round", title_justify="left")
    for column in ("Round", "Drawn", "Coders", "Done", "Percent agreement", "Krippendorff's alpha", "Note"):
        grid.add_column(column, overflow="fold")
    for r in found:
        grid.add_row(r.sample.name, r.sample.created_at.strftime("%Y-%m-%d"), ", ".join(r.sample.coders),
                     f"{len(r.sample.done)}/{len(r.sample.coders)}", figure(r.percent), figure(r.alpha),
                     r.message)
    console.print(grid)


# ------------------------------------------------------ disagreements and adjudication


@app.command("disagreements")
def disagreements_command(
    coders: CodersOption = None,
    sample: SampleOption = None,
    doc: DocOption = None,
    set_: SetOption = None,
    codebook: CodebookOption = None,
    code: CodeOption = None,
    open_only: Annotated[bool, typer.Option("--open", help="Hide disagreements already settled.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.", min=1)] = 100,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List passages where coders applied a code differently, with who coded what."""
    from rich.table import Table

    from qualcode.services import agreement as service

    with project(db) as store:
        documents = in_sets(store, set_, doc, command="agreement disagreements").documents
        found = service.disagreements(store, coders=_split(coders), sample=sample, documents=documents,
                                      codebook=codebook, codes=code, include_settled=not open_only,
                                      pseudonymise=pseudonymise)
    if as_json:
        print_json(found[:limit])
        return
    grid = Table(title=f"Disagreements ({min(len(found), limit)} of {len(found)})", title_justify="left")
    for column in ("Id", "Document", "Code", "Who coded what", "Text", "Settled"):
        grid.add_column(column, overflow="fold")
    for d in found[:limit]:
        who = "; ".join(f"{s.coder} {s.start}-{s.end}" for s in d.spans)
        missing = [c for c in d.coders if c not in {s.coder for s in d.spans}]
        if missing:
            who += "; " + ", ".join(missing) + ": none"
        snippet = d.text if len(d.text) <= 120 else d.text[:117] + "..."
        grid.add_row(d.key, d.document, d.code_key, who, snippet, d.settled or "")
    console.print(grid)


@app.command("adjudicate")
def adjudicate(
    key: Annotated[str, typer.Argument(help="Disagreement id from 'qualcode agreement disagreements'.")],
    accept: Annotated[str | None, typer.Option("--accept", help="Keep this coder's coding.")] = None,
    both: Annotated[bool, typer.Option("--both", help="Keep everyone's codings (their union).")] = False,
    neither: Annotated[bool, typer.Option("--neither", help="Keep no coding here.")] = False,
    span: Annotated[str | None, typer.Option("--span", help="Code this edited span instead: START-END.")] = None,
    consensus: Annotated[str, typer.Option("--consensus", help="Coder who receives the decision.")] = CONSENSUS,
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Settle a disagreement into the consensus coder (accept A, accept B, both, neither, edit)."""
    from qualcode.services import agreement as service

    chosen = [name for name, on in (("accept", accept is not None), ("both", both), ("neither", neither),
                                    ("edit", span is not None)) if on]
    if len(chosen) != 1:
        raise QualcodeError("Choose exactly one decision.", "Pass --accept CODER, --both, --neither or --span START-END.")
    edited = None
    if span is not None:
        start, sep, end = span.partition("-")
        if not sep or not start.strip().isdigit() or not end.strip().isdigit():
            raise QualcodeError(f"--span '{span}' is not START-END.", "Write e.g. --span 1200-1340.")
        edited = (int(start), int(end))
    with project(db) as store:
        added = service.adjudicate(store, key, chosen[0], coder_name(store, coder), coder=accept,
                                   span=edited, consensus=consensus)
    spans = ", ".join(f"{c.start}-{c.end}" for c in added) or "no coding"
    console.print(f"Settled {key} ({chosen[0]}{' ' + accept if accept else ''}): {consensus} now has {spans}.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="agreement")
