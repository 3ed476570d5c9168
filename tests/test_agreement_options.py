"""Every agreement option of the installed script on a tiny hand-checked project: the
overlap rule, the weight level, the conventions, expected agreement, the size-weighted
mean over sources and gamma with its interval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .agreement_support import WEIGHTS, build_tiny

SCRIPT = Path(sys.executable).with_name("qualcode")


@pytest.fixture
def tiny(tmp_path: Path, interview_files: tuple[Path, Path]) -> Path:
    return build_tiny(tmp_path / "tiny.qualcode", *interview_files)


def _agreement(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "400"}  # no header wraps
    return subprocess.run([str(SCRIPT), "agreement", "--db", str(db), "--resamples", "50", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def _report(db: Path, *args: str) -> dict:
    done = _agreement(db, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _statistic(found: dict, code: str, name: str) -> dict:
    row = next(r for r in found["report"]["rows"] if r["code_key"] == code and r["document"] is None)
    return next(s for s in row["statistics"] if s["name"] == name)


def test_the_overlap_rule_decides_whether_two_segments_match(tiny: Path) -> None:
    union = _report(tiny, "--unit", "overlap")
    longer = _report(tiny, "--unit", "overlap", "--overlap", "longer")
    # 90 shared characters: 86 % of the union (105), 90 % of the longer segment (100)
    assert _statistic(union, "voice", "overlap_agreement")["value"] == 0.0
    assert _statistic(longer, "voice", "overlap_agreement")["value"] == 1.0
    assert _statistic(union, "followup", "overlap_agreement")["value"] == 1.0  # the same sentences
    assert "of the longer segment" in longer["methods"] and "of the longer segment" not in union["methods"]
    wrong = _agreement(tiny, "--unit", "overlap", "--overlap", "widest")
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    assert "Unknown overlap measure 'widest'" in wrong.stderr and "--overlap union" in wrong.stderr


def test_the_weight_level_is_the_level_of_alpha_on_weights(tiny: Path) -> None:
    import krippendorff

    values = np.array([WEIGHTS["anna"], WEIGHTS["bo"]], dtype=np.float64)
    for level in ("interval", "ordinal", "ratio", "nominal"):
        found = _report(tiny, "--weight-level", level)
        statistic = _statistic(found, "followup", f"weight_alpha_{level}")
        assert statistic["value"] == pytest.approx(
            krippendorff.alpha(reliability_data=values, level_of_measurement=level), abs=1e-6)
        assert statistic["n_units"] == 5
        assert f"Krippendorff's alpha at the {level} level for 1 code." in found["methods"]
    table = _agreement(tiny, "--weight-level", "ordinal")
    assert table.returncode == 0 and "alpha on weights (ordinal)" in table.stdout  # a main figure
    wrong = _agreement(tiny, "--weight-level", "likert")
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr and "--weight-level" in wrong.stderr


def test_expected_agreement_conventions_source_mean_and_gamma_are_printed(tiny: Path) -> None:
    segment = _report(tiny)
    assert _statistic(segment, "(pooled)", "cohen_pe")["value"] is not None
    assert _statistic(segment, "(pooled)", "krippendorff_de")["value"] is not None
    every = _agreement(tiny, "--all-figures")
    assert "Expected agreement (Cohen's p_e)" in every.stdout

    for convention in ("qualcode", "nvivo", "maxqda", "atlasti"):
        found = _report(tiny, "--unit", "character", "--convention", convention)
        assert found["convention"] == convention and convention in found["report"]["notes"][0].lower()
        mean = _statistic(found, "voice", "char_kappa_source_mean")
        assert mean["value"] == pytest.approx(_statistic(found, "voice", "char_kappa")["value"])  # one source
    shown = _agreement(tiny, "--unit", "character", "--all-figures")
    assert "Kappa, mean over sources weighted by size (NVivo)" in shown.stdout

    gamma = _report(tiny, "--unit", "gamma", "--gamma-samples", "10")
    pooled = _statistic(gamma, "(pooled)", "mathet_gamma")
    assert pooled["value"] is not None and pooled["ci"] is not None
    assert len(pooled["ci"]) == 2 and pooled["ci"][0] <= pooled["ci"][1]
    assert "random continua" in " ".join(gamma["report"]["notes"])
