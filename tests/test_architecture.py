"""Layering: the CLI starts without heavy libraries, and import-linter contracts hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sentence_transformers", "bertopic", "sklearn", "textual")


def test_cli_start_loads_no_heavy_library() -> None:
    probe = ("import sys; from qualcode.cli.app import app; "
             f"print([m for m in {HEAVY!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_segmenting_does_not_load_torch_but_leaves_it_importable() -> None:
    probe = ("import sys; from qualcode.services.segmentation import segmenter_for; "
             "s = segmenter_for('sv'); print('torch' in sys.modules); "
             "print(len(list(s.sentences('Vi läser. Vi skriver.', ())))); "
             "import torch; print(torch.tensor([1, 2]).sum().item())")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "2", "3"], result.stdout + result.stderr


def test_help_runs_in_a_subprocess() -> None:
    result = subprocess.run([sys.executable, "-m", "qualcode", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "import" in result.stdout and "Traceback" not in result.stderr


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
