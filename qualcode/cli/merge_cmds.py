"""``qualcode merge``: bring another coder's project into this one.

The command calls :func:`qualcode.services.merge.merge_project` and prints its report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.options import CoderOption, DbOption, JsonOption, QuietOption, coder_name, project
from qualcode.cli.output import console, print_json, progress_bar

if TYPE_CHECKING:
    from qualcode.services.merge import MergeReport

# The figures in the order they are printed, with the words they are printed with.
_FIGURES = (
    ("documents_matched", "documents matched (same text)"), ("documents_added", "documents added"),
    ("codebooks_added", "codebooks added"), ("codes_matched", "codes matched"),
    ("codes_added", "codes added"), ("codes_renamed", "codes renamed"), ("codes_moved", "codes moved"),
    ("codes_redefined", "code definitions changed"), ("codes_changed", "codes of this project changed"),
    ("coders_added", "coders added"), ("codings_added", "codings added"),
    ("codings_already_present", "codings already here (not doubled)"), ("memos_added", "memos added"),
    ("memos_already_present", "memos already here"), ("attributes_added", "attributes added"),
    ("attributes_changed", "attributes changed"), ("samples_added", "samples added"),
    ("sample_items_added", "sample items added"), ("sample_coders_added", "sample coders added"),
    ("decisions_added", "adjudication decisions added"),
    ("decisions_kept_ours", "adjudication decisions kept as here"), ("refused", "refused (need --codes)"),
)


def _show(report: MergeReport, as_json: bool, quiet: bool) -> None:
    if as_json:
        print_json({"source": report.source, "target": report.target, "rule": report.rule,
                    "dry_run": report.dry_run, "counts": report.counts, "event_id": report.event_id,
                    "kept": report.kept, "skipped": list(report.skipped),
                    "differences": [{"kind": d.kind, "subject": d.subject, "ours": d.ours, "theirs": d.theirs,
                                     "outcome": d.outcome} for d in report.differences]})
        return
    head = "Would merge" if report.dry_run else "Merged"
    console.print(f"{head} {report.source} into {report.target}"
                  f"{f' (--codes {report.rule})' if report.rule else ''}:", markup=False, soft_wrap=True)
    for key, words in _FIGURES:
        if report.counts.get(key) or key in ("codings_added", "documents_matched"):
            console.print(f"  {words}: {report.counts.get(key, 0)}", markup=False)
    if not quiet:
        for difference in report.differences:
            console.print(f"  {difference.line()}", markup=False, soft_wrap=True)
        for skipped in report.skipped:
            console.print(f"  not merged: {skipped}", markup=False, soft_wrap=True)
    if report.kept:
        console.print(f"The project as it was is kept at {report.kept}.", markup=False, soft_wrap=True)
    if not report.dry_run:
        console.print("Undo the whole merge with 'qualcode code undo'.", markup=False)


def register(app: typer.Typer) -> None:
    @app.command("merge")
    def merge(
        other: Annotated[str, typer.Argument(help="The project to merge in: a .qualcode file, a database "
                                                  "URL or a .qdpx file.")],
        db: DbOption = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="Print what would be added, matched, changed and refused; write nothing.")] = False,
        codes: Annotated[str | None, typer.Option(
            "--codes", help="How to settle a code or attribute that differs: keep-ours, keep-theirs or both "
                            "(both: their version becomes a code of its own). Without it such a difference "
                            "refuses the merge.")] = None,
        force: Annotated[bool, typer.Option(
            "--force", help="Merge even when the two projects have no document in common.")] = False,
        coder: CoderOption = None,
        quiet: QuietOption = False,
        as_json: JsonOption = False,
    ) -> None:
        """Merge another coder's project into this one: documents matched by text, nothing doubled, one undo."""
        from qualcode.services.merge import merge_project

        with project(db) as store:
            who = None if dry_run else coder_name(store, coder)
            with progress_bar("Merging", quiet=quiet or as_json or dry_run) as update:
                report = merge_project(store, other, rule=codes, dry_run=dry_run, force=force, coder=who,
                                       progress=update)
        _show(report, as_json, quiet)
        if report.dry_run and report.refused and not report.rule:
            from qualcode.errors import CodingError

            raise CodingError(f"The merge would be refused: {len(report.refused)} difference(s) need a rule.",
                              "Choose one with --codes keep-ours, --codes keep-theirs or --codes both.")
