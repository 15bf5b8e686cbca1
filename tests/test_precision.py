"""Mixed precision: a converted encoder computes in the precision it was converted for, and the
classifier uses the default encoder's conversion of the run's precision with a float32 head."""

from pathlib import Path

import pytest
import tensorflow as tf
import tensorflow_hub as hub

from checkpoints import make_checkpoint
from tfsenti import TrainConfig, build_classifier
from tfsenti.encoders import default
from tfsenti.encoders.convert import convert_checkpoint
from tfsenti.precision import precision_policy


@pytest.fixture(scope="module")
def bf16_encoder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bf16")
    return convert_checkpoint(make_checkpoint(root / "hf"), root / "tfhub", "mixed_bfloat16")


def test_converted_encoder_computes_in_the_requested_precision(bf16_encoder):
    encoder = hub.KerasLayer(str(bf16_encoder / "encoder"))
    ids = tf.constant([[1, 5, 2]])
    outputs = encoder({"input_word_ids": ids, "input_mask": tf.ones_like(ids),
                       "input_type_ids": tf.zeros_like(ids)})
    assert outputs["sequence_output"].dtype == tf.bfloat16
    assert all(v.dtype == tf.float32 for v in encoder.weights)


def test_default_encoder_is_the_conversion_of_the_run_precision(bf16_encoder, monkeypatch):
    requested = []

    def tiny_default(precision: str = "float32") -> Path:  # the default encoder, in miniature
        requested.append(precision)
        return bf16_encoder

    monkeypatch.setattr(default, "default_encoder_dir", tiny_default)
    with precision_policy("mixed_bfloat16"):
        model = build_classifier(TrainConfig(precision="mixed_bfloat16", seq_len=16), 2)
        inputs = model.get_layer("preprocess")(tf.constant(["a fine film"]))
        pooled = model.get_layer("encoder")(inputs)["pooled_output"]
    assert requested == ["mixed_bfloat16"]
    assert pooled.dtype == tf.bfloat16
    assert model.get_layer("classifier").dtype_policy.name == "float32"
    assert model(tf.constant(["a fine film"])).dtype == tf.float32
