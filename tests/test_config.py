"""Which embedding model qualcode would load."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode import config


def test_default_model_is_the_packaged_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.EMBEDDING_MODEL_VARIABLE, raising=False)
    folder = Path(config.embedding_model())
    assert folder.is_dir() and (folder / "config.json").exists()


def test_environment_chooses_another_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(config.EMBEDDING_MODEL_VARIABLE, str(tmp_path))
    assert config.embedding_model() == str(tmp_path)


@pytest.mark.slow
def test_default_model_loads_offline_and_embeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.EMBEDDING_MODEL_VARIABLE, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(config.embedding_model(), device="cpu")
    vectors = model.encode(["Rektorn leder kvalitetsarbetet.", "The principal leads quality work."])
    assert vectors.shape == (2, 384)
