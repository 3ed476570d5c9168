"""The console script: ``qualcode open`` starts the workbench without loading every command.

Loading the whole command tree (statistics, exports, suggestions) costs most of a second
that a researcher opening the workbench would wait for; every other command goes through
the full Typer app in :mod:`qualcode.cli.app`.
"""

from __future__ import annotations

import argparse
import sys


def _open_arguments(argv: list[str]) -> argparse.Namespace | None:
    """``open [PROJECT] [--coder NAME] [--db TARGET]``, or None for anything else."""
    if not argv or argv[0] != "open" or any(a in ("-h", "--help") for a in argv):
        return None
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("project", nargs="?")
    parser.add_argument("--coder")
    parser.add_argument("--db")
    try:
        parsed, rest = parser.parse_known_args(argv[1:])
    except argparse.ArgumentError:
        return None
    return None if rest else parsed


def entry() -> None:  # pragma: no cover - exercised through the installed script
    arguments = _open_arguments(sys.argv[1:])
    if arguments is None:
        from qualcode.cli.app import main

        sys.exit(main())
    sys.exit(open_quickly(arguments.project or arguments.db, arguments.coder))


def open_quickly(target: str | None, coder: str | None) -> int:
    import gc
    import os

    from qualcode.errors import QualcodeError
    from qualcode.services.project import resolve_target

    try:
        resolved = resolve_target(target)
    except QualcodeError as error:
        from qualcode.cli.output import report_error

        report_error(error)
        return error.exit_code
    # Starting allocates tens of thousands of objects and frees few, so the collector's
    # passes only cost time: the workbench turns it on again once its first screen is
    # painted (QualcodeApp.on_main_screen_drawn), or a few seconds in whatever happens.
    gc.disable()
    try:
        from qualcode.tui.app import run

        run(resolved, coder or os.environ.get("QUALCODE_CODER"))
    finally:
        gc.enable()
    return 0
