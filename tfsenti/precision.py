"""Mixed precision: the Keras dtype policy of a run, set for the duration of a block.

Under `mixed_float16` / `mixed_bfloat16` layers keep float32 variables and compute in 16 bits;
tfsenti keeps the classification head in float32 and tf_keras wraps the optimizer in a
`LossScaleOptimizer` for `mixed_float16` (bfloat16 has float32's range and needs no scaling).
A TF-Hub encoder computes in the precision it was saved with, so the offline default encoder is
converted once per precision (`tfsenti.encoders.default`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import tf_keras as keras


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
