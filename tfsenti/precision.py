"""Mixed precision: the Keras dtype policy of a run, set for the duration of a block, and the
policy `--precision auto` (the default) picks.

Under `mixed_float16` / `mixed_bfloat16` layers keep float32 variables and compute in 16 bits;
tfsenti keeps the classification head in float32 and tf_keras wraps the optimizer in a
`LossScaleOptimizer` for `mixed_float16` (bfloat16 has float32's range and needs no scaling).
A TF-Hub encoder computes in the precision it was saved with, so the offline default encoder is
converted once per precision (`tfsenti.encoders.default`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import tensorflow as tf
import tf_keras as keras

from tfsenti.config import DEFAULT_ENCODER, TrainConfig

log = logging.getLogger(__name__)


@contextlib.contextmanager
def precision_policy(name: str) -> Iterator[keras.mixed_precision.Policy]:
    """Set the global Keras dtype policy `name` inside the block, and restore the previous one.

    Example:
        >>> with precision_policy("mixed_bfloat16") as policy:
        ...     keras.layers.Dense(2).dtype_policy.compute_dtype
        'bfloat16'
        >>> keras.mixed_precision.global_policy().name
        'float32'
    """
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield keras.mixed_precision.global_policy()
    finally:
        keras.mixed_precision.set_global_policy(previous)


# x86 CPU flags (Linux /proc/cpuinfo) of bfloat16 matrix arithmetic: AMX tiles (Intel Sapphire
# Rapids and later) and AVX512_BF16 dot products (Intel Cooper Lake, AMD Zen 4 and later).
BFLOAT16_FLAGS = ("amx_bf16", "avx512_bf16")


@functools.lru_cache(maxsize=2)
def cpu_bfloat16_flags(cpuinfo_path: str = "/proc/cpuinfo") -> tuple[str, ...]:
    """The `BFLOAT16_FLAGS` the CPU lists in `cpuinfo_path`; empty where there is no such file.

    Example:
        >>> set(cpu_bfloat16_flags()) <= set(BFLOAT16_FLAGS)
        True
    """
    try:
        with open(cpuinfo_path) as cpuinfo:
            flags = next((set(line.split()) for line in cpuinfo if line.startswith("flags")),
                         set())
    except OSError:
        return ()
    return tuple(flag for flag in BFLOAT16_FLAGS if flag in flags)


def auto_precision(encoder: str) -> tuple[str, str]:
    """The precision `--precision auto` picks for `encoder` on this machine, and why.

    - a folder `tfsenti convert` wrote: the precision it was converted for, since an encoder
      computes in the precision it was saved with;
    - the default encoder, with no GPU visible, on a CPU with bfloat16 arithmetic (AMX or
      AVX512_BF16): `mixed_bfloat16` (its conversion for bfloat16 has no attention dropout; on
      IMDB it trains 1.5-1.65x the steps of float32 in the same minutes, see BENCHMARKS.md);
    - anything else: `float32`.

    Example:
        >>> auto_precision("https://tfhub.dev/some/encoder")
        ('float32', 'not the default encoder')
    """
    if encoder != DEFAULT_ENCODER:
        for folder in (Path(encoder), Path(encoder).parent):  # a convert output, or its encoder/
            try:
                converted = json.loads((folder / "source.json").read_text())["precision"]
            except (OSError, ValueError, KeyError):
                continue
            return converted, f"the precision {folder} was converted for"
        return "float32", "not the default encoder"
    if tf.config.list_physical_devices("GPU"):
        return "float32", "a GPU is visible; --precision mixed_float16 is opt-in there"
    flags = cpu_bfloat16_flags()
    if not flags:
        return "float32", "this CPU has no bfloat16 arithmetic (AMX or AVX512_BF16)"
    return "mixed_bfloat16", f"the default encoder on a CPU with {' and '.join(flags)}"


def resolve_precision(config: TrainConfig) -> TrainConfig:
    """`config` with `precision="auto"` replaced by `auto_precision`'s choice (logged where it
    is 16-bit); other configs come back unchanged.

    Example:
        >>> resolve_precision(TrainConfig(precision="float32")).precision
        'float32'
    """
    if config.precision != "auto":
        return config
    precision, why = auto_precision(config.encoder)
    log.log(logging.DEBUG if precision == "float32" else logging.INFO,
            "--precision auto: %s (%s)", precision, why)
    return dataclasses.replace(config, precision=precision)
