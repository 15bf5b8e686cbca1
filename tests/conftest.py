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
