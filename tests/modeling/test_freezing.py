"""`--freeze`: which encoder weights train."""

import pytest
import tensorflow_hub as hub
import tf_keras as keras

from tfsenti import build_classifier
from tfsenti.errors import ConfigError
from tfsenti.modeling.freezing import freeze_encoder


def _trainable_groups(model: keras.layers.Layer) -> set[str]:
    return {w.name.split("/")[0] for w in model.trainable_weights}


@pytest.mark.parametrize("freeze, trainable", [
    ("none", {"embeddings", "transformer_layer_0", "transformer_layer_1", "pooler"}),
    ("encoder", set()), ("all-but-pooler", {"pooler"}),
    ("last-1", {"transformer_layer_1", "pooler"}), ("last-2", {"transformer_layer_0",
                                                               "transformer_layer_1", "pooler"}),
])
def test_freeze_strategies_leave_the_right_weights_trainable(tiny_encoder, freeze, trainable):
    encoder = hub.KerasLayer(str(tiny_encoder / "encoder"), trainable=True)
    everything = encoder.weights
    freeze_encoder(encoder, freeze)
    assert _trainable_groups(encoder) == trainable
    assert len(encoder.trainable_weights) + len(encoder.non_trainable_weights) == len(everything)


def test_the_classifier_applies_the_configured_freeze(tiny_config):
    model = build_classifier(tiny_config(freeze="last-1"), 2)
    assert _trainable_groups(model) == {"transformer_layer_1", "pooler", "classifier"}


def test_more_blocks_than_the_encoder_has_is_an_error_naming_the_option(tiny_encoder):
    encoder = hub.KerasLayer(str(tiny_encoder / "encoder"), trainable=True)
    with pytest.raises(ConfigError, match="freeze last-3: the encoder has only 2 transformer"):
        freeze_encoder(encoder, "last-3")
