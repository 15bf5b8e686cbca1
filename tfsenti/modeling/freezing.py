"""Freezing strategies for the encoder: `none`, `encoder`, `all-but-pooler`, `last-N`.

The three transfer-learning recipes: freeze the whole encoder (train the head only), freeze all
but the pooler, or freeze all but the last N transformer blocks and the pooler. A hub.KerasLayer
is trainable as a whole; the partial strategies move the frozen variables to the layer's
non-trainable weights, so the optimizer never sees them (no gradients, no AdamW slots, no weight
decay) and the trainable-parameter count is exact.

Blocks are found by variable name: `transformer_layer_<i>/` (tfsenti conversions) or
`transformer/layer_<i>/` (TF-Hub BERT encoders); the pooler by `pooler`.
"""

from __future__ import annotations

import re

from tfsenti.config import check_option
from tfsenti.errors import ConfigError

_BLOCK = re.compile(r"(?:^|/)(?:transformer_)?layer_(\d+)/")


def block_index(variable_name: str) -> int | None:
    """The transformer block a variable belongs to, or None (embeddings, pooler, ...).

    Example:
        >>> block_index("transformer_layer_3/query/kernel:0"), block_index("pooler/kernel:0")
        (3, None)
    """
    match = _BLOCK.search(variable_name)
    return int(match.group(1)) if match else None


def freeze_encoder(encoder, freeze: str) -> None:
    """Apply a freezing strategy to a trainable `hub.KerasLayer` encoder, in place.

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> encoder = hub.KerasLayer(str(default_encoder_dir() / "encoder"), trainable=True)
        >>> freeze_encoder(encoder, "last-1")
        >>> sorted({v.name.split("/")[0] for v in encoder.trainable_weights})
        ['pooler', 'transformer_layer_5']
    """
    check_option("freeze", freeze)
    if freeze == "none":
        return
    if freeze == "encoder":
        encoder.trainable = False
        return
    weights = list(encoder.trainable_weights)
    blocks = {block_index(v.name) for v in weights} - {None}
    if not any("pooler" in v.name for v in weights):
        raise ConfigError(f"{{freeze}} {freeze}: the encoder has no variable named like 'pooler'",
                          ["freeze"])
    last = 0 if freeze == "all-but-pooler" else int(freeze.split("-")[1])
    if last and not blocks:
        raise ConfigError(f"{{freeze}} {freeze}: no transformer blocks found in the encoder's "
                          "variable names (expected 'transformer_layer_<i>/' or "
                          "'transformer/layer_<i>/')", ["freeze"])
    depth = max(blocks, default=-1) + 1
    if last > depth:
        raise ConfigError(f"{{freeze}} {freeze}: the encoder has only {depth} transformer blocks",
                          ["freeze"])

    def stays_trainable(v) -> bool:
        index = block_index(v.name)
        return "pooler" in v.name or (index is not None and index >= depth - last)

    # In place: assigning new lists would have Keras track them and re-add every variable whose
    # own `trainable` flag is set.
    frozen = [v for v in weights if not stays_trainable(v)]
    encoder._trainable_weights[:] = [v for v in encoder._trainable_weights if stays_trainable(v)]
    encoder._non_trainable_weights.extend(frozen)
