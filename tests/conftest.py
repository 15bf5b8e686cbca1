"""Shared fixtures: an isolated encoder cache per test session, and the converted default encoder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every test (and every CLI subprocess it starts) uses a cache inside the session's temp folder,
# so the suite never touches, or depends on, the user's ~/.cache/tfsenti.
_SESSION_CACHE: Path | None = None


def pytest_configure(config):
    global _SESSION_CACHE
    import tempfile

    _SESSION_CACHE = Path(tempfile.mkdtemp(prefix="tfsenti-test-cache-"))
    os.environ["TFSENTI_CACHE"] = str(_SESSION_CACHE)


def pytest_unconfigure(config):
    import shutil

    if _SESSION_CACHE is not None:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def default_dir() -> Path:
    """`preprocess/` + `encoder/` of the default MiniLM encoder (converted once per session)."""
    from tfsenti.hub.default import default_encoder_dir

    return default_encoder_dir()


@pytest.fixture(scope="session")
def hf_dir() -> Path:
    """The bundled Hugging Face checkpoint of the default encoder."""
    from tfsenti.hub.default import checkpoint_dir

    return checkpoint_dir()


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    """A random 2-layer, 32-wide BERT converted to TF-Hub format: fast runs of the whole pipeline."""
    from checkpoints import make_checkpoint
    from tfsenti.hub.convert import convert_checkpoint

    root = tmp_path_factory.mktemp("tiny")
    return convert_checkpoint(make_checkpoint(root / "hf"), root / "tfhub")


DEMO = Path(__file__).resolve().parent.parent / "tfsenti" / "demo"


def copy_demo(dest: Path, per_class: dict[str, int]) -> Path:
    """A small aclImdb-layout folder: the first N demo reviews of each class for each split."""
    import shutil

    for split, count in per_class.items():
        for label in ("neg", "pos"):
            (dest / split / label).mkdir(parents=True)
            for f in sorted((DEMO / split / label).glob("*.txt"))[:count]:
                shutil.copy(f, dest / split / label / f.name)
    return dest


@pytest.fixture(scope="session")
def small_reviews(tmp_path_factory) -> Path:
    """48 training and 20 test reviews (balanced) in the aclImdb layout."""
    return copy_demo(tmp_path_factory.mktemp("data") / "reviews", {"train": 24, "test": 10})


@pytest.fixture(scope="session")
def tiny_model(tiny_encoder, small_reviews, tmp_path_factory) -> Path:
    """An exported model (classes neg/pos) fine-tuned from the tiny encoder: for fast CLI checks."""
    from tfsenti import TrainConfig, fine_tune

    config = TrainConfig(encoder=str(tiny_encoder), epochs=1, seq_len=32, batch_size=16)
    return fine_tune(config, small_reviews / "train", test_path=small_reviews / "test",
                     out=tmp_path_factory.mktemp("tiny_model") / "model", verbose=0).folder
