"""One command-line grammar: the same option for the same thing in every command.

Walks the whole command tree as the console script builds it and checks each option
against the house spelling, so a new command that names the codebook ``--book`` or
takes it as a positional argument fails here rather than in a user's script.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qualcode.cli import app as cli_app
from qualcode.cli.app import main

# The thing an option names -> its one spelling (long option first, then any short one).
SPELLINGS: dict[str, tuple[str, ...]] = {
    "codebook": ("--codebook", "-c"),
    "coder": ("--coder",),
    "doc": ("--doc",),
    "attr": ("--attr",),
    "json": ("--json",),
    "quiet": ("--quiet", "-q"),
    "force": ("--force",),
    "db": ("--db",),
}
FLAGS = ("json", "quiet", "force")
# Other spellings a contributor might reach for; none of them may appear anywhere.
ALIASES = ("--book", "--codebooks", "--codebook-slug", "--document", "--documents", "--docs",
           "--attribute", "--attrs", "--project", "--database", "--overwrite", "--yes", "--silent",
           "--as-json", "--coder-name", "--into", "-j", "-f")


def commands() -> Iterator[tuple[str, object]]:
    def walk(path: str, command: object) -> Iterator[tuple[str, object]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(f"{path} {name}", sub)

    for name in cli_app.COMMANDS:
        yield from walk(name, cli_app.build_command(name))


ALL = list(commands())


def test_the_tree_is_walked_whole() -> None:
    paths = {path for path, _ in ALL}
    assert {"docs", "compare", "codebook export-qdc", "export figure", "agreement disagreements"} <= paths


@pytest.mark.parametrize(("path", "command"), ALL, ids=[path for path, _ in ALL])
def test_every_option_has_its_one_spelling(path: str, command: object) -> None:
    for param in command.params:  # type: ignore[attr-defined]
        opts = tuple(param.opts) + tuple(param.secondary_opts)
        if param.param_type_name == "argument":
            assert param.name not in ("codebook", "slug_codebook"), (
                f"'qualcode {path}' takes the codebook as an argument; use --codebook/-c.")
            continue
        assert not set(opts) & set(ALIASES), f"'qualcode {path}' spells an option {opts}"
        for thing, spelling in SPELLINGS.items():
            if set(opts) & set(spelling):
                assert sorted(opts) == sorted(spelling), (
                    f"'qualcode {path}': {opts} should be {'/'.join(spelling)} ({thing})")
                if thing in FLAGS:
                    assert param.is_flag, f"'qualcode {path}' {spelling[0]} should be a flag"


def test_compare_and_cooccur_still_read_the_old_positional_codebook(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.qualcode")
    assert main(["init", db]) == 0
    capsys.readouterr()
    # Neither form is given: a clear error naming the option.
    assert main(["cooccur", "--db", db]) != 0
    assert "--codebook" in capsys.readouterr().err
    # The old positional form reaches the service just like --codebook does.
    assert main(["cooccur", "nosuch", "--db", db]) == main(["cooccur", "-c", "nosuch", "--db", db]) != 0
    errors = capsys.readouterr().err
    assert errors.count("nosuch") == 2
    assert main(["compare", "one", "two", "--by", "level", "--db", db]) != 0
    assert "two" in capsys.readouterr().err
