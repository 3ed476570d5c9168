"""Where the REFI-QDA schemas and samples are for the tests (never copied into qualcode).

They live in a ``shared/refi-qda`` folder beside the repository. A clone made elsewhere
finds them beside the repository it was cloned from, or through ``QUALCODE_REFI_QDA``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _origin() -> Path | None:
    try:
        url = subprocess.run(["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://")) if url and "://" not in url.replace("file://", "") else None
    return path if path is not None and path.is_dir() else None


def refi_qda_dir() -> Path:
    candidates = []
    if os.environ.get("QUALCODE_REFI_QDA"):
        candidates.append(Path(os.environ["QUALCODE_REFI_QDA"]))
    candidates.append(REPO.parent / "shared" / "refi-qda")
    origin = _origin()
    if origin is not None:
        candidates.append(origin.resolve().parent / "shared" / "refi-qda")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0] if candidates else REPO.parent / "shared" / "refi-qda"
