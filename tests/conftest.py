"""Shared fixtures: an isolated encoder cache per test session, the converted default encoder, a
tiny random encoder, small review folders and a tiny exported model."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Every test (and every CLI subprocess it starts) uses a cache inside the session's temp folder,
# so the suite never touches, or depends on, the user's ~/.cache/tfsenti.
_SESSION_CACHE: Path | None = None


def pytest_configure(config):
    global _SESSION_CACHE
    import tempfile

    if hasattr(config, "workerinput"):  # a pytest-xdist worker: share the controller's cache
        return
    _SESSION_CACHE = Path(tempfile.mkdtemp(prefix="tfsenti-test-cache-"))
    os.environ["TFSENTI_CACHE"] = str(_SESSION_CACHE)
    # `make test` runs two workers on two cores: one intra-op thread per TensorFlow process keeps
    # them (and the CLI subprocesses they start) from competing for the same cores (the training
    # test files: 158 s against 171 s). Set TF_NUM_INTRAOP_THREADS to choose otherwise.
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    # TensorFlow loads in this process before the CLI runs in it (`tfsenti.cli.main`), so set
    # what the CLI sets before it loads TensorFlow (`tfsenti._startup.load_tensorflow`). CLI
    # subprocesses are started without it (`run_cli.tfsenti`) and must set it themselves.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_unconfigure(config):
    import shutil

    if _SESSION_CACHE is not None:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@contextlib.contextmanager
def _one_at_a_time(name: str) -> Iterator[None]:
    """A lock shared by the session's pytest-xdist workers, so that what one of them builds into
    the shared cache folder the others wait for and reuse instead of building it again."""
    with open(Path(os.environ["TFSENTI_CACHE"]) / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _built_once(name: str, build: Callable[[Path], Path]) -> Path:
    """`build(folder)`, run by the first worker that asks; the others reuse its folder."""
    folder = Path(os.environ["TFSENTI_CACHE"]) / name
    with _one_at_a_time(name):
        return folder if folder.exists() else build(folder)


@pytest.fixture(scope="session")
def default_dir() -> Path:
    """`preprocess/` + `encoder/` of the default MiniLM encoder (converted once per session)."""
    from tfsenti.encoders.default import default_encoder_dir

    with _one_at_a_time("default_encoder"):
        return default_encoder_dir()


@pytest.fixture(scope="session")
def hf_dir() -> Path:
    """The bundled Hugging Face checkpoint of the default encoder."""
    from tfsenti.encoders.default import checkpoint_dir

    return checkpoint_dir()


@pytest.fixture(scope="session")
def tiny_encoder() -> Path:
    """A random 2-layer, 32-wide BERT converted to TF-Hub format: fast runs of the whole pipeline."""
    from checkpoints import make_checkpoint
    from tfsenti.encoders.convert import convert_checkpoint

    def build(folder: Path) -> Path:
        return convert_checkpoint(make_checkpoint(folder.with_name("tiny_hf")), folder)

    return _built_once("tiny_encoder", build)


@pytest.fixture(scope="session")
def small_reviews(tmp_path_factory) -> Path:
    """48 training and 20 test reviews (balanced) in the aclImdb layout."""
    from sample_data import copy_demo

    return copy_demo(tmp_path_factory.mktemp("data") / "reviews", {"train": 24, "test": 10})


@pytest.fixture(scope="session")
def tiny_model(tiny_encoder, small_reviews) -> Path:
    """An exported model (classes neg/pos) fine-tuned from the tiny encoder: for fast CLI checks.
    Built once per session and shared by the workers: tests only read it (or copy it)."""
    from tfsenti import TrainConfig, fine_tune

    config = TrainConfig(encoder=str(tiny_encoder), epochs=1, seq_len=32, batch_size=16,
                         deterministic=True)

    def build(folder: Path) -> Path:
        return fine_tune(config, small_reviews / "train", test_path=small_reviews / "test",
                         out=folder, verbose=0).folder

    return _built_once("tiny_model", build)


@pytest.fixture(scope="session")
def tiny_classifiers(tiny_encoder):
    """(pad-to-longest, fixed-length) untrained classifiers on the tiny encoder, same weights."""
    from tfsenti.config import TrainConfig
    from tfsenti.modeling.classifier import build_classifier

    dynamic = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=64), 2)
    fixed = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=64, fixed_length=True), 2)
    fixed.set_weights(dynamic.get_weights())
    return dynamic, fixed


@pytest.fixture
def tiny_config(tiny_encoder):
    """TrainConfig(**overrides) on the tiny encoder, with fast settings (1 epoch, 32 tokens,
    batch 16, deterministic)."""
    from tfsenti.config import TrainConfig

    def make(**overrides) -> TrainConfig:
        return TrainConfig(**{"encoder": str(tiny_encoder), "epochs": 1, "seq_len": 32,
                              "batch_size": 16, "deterministic": True, **overrides})

    return make


@pytest.fixture(scope="session")
def tiny_export(tiny_classifiers, tmp_path_factory) -> Path:
    """The untrained pad-to-longest tiny classifier saved as a model folder (classes neg/pos):
    for the export's contract, which training does not change."""
    from tfsenti.inference.model_folder import save_model

    return save_model(tiny_classifiers[0], ["neg", "pos"], tmp_path_factory.mktemp("export") / "model")
