"""`tfsenti convert` as a user runs it (`python -m tfsenti convert`): a checkpoint folder in, two
TF-Hub SavedModels out; its options, run in this process."""

import json

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401

from checkpoints import make_checkpoint
from run_cli import refused, run_here, tfsenti


def test_convert_writes_a_preprocessor_and_an_encoder_that_load_with_hub(tmp_path):
    hf = make_checkpoint(tmp_path / "hf", hidden=16, layers=1, heads=2)
    result = tfsenti("convert", hf, tmp_path / "out")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    out = tmp_path / "out"
    assert result.stdout.strip() == f"wrote {out / 'preprocess'} and {out / 'encoder'}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf", "out"]
    assert json.loads((out / "source.json").read_text())["hf_config"]["hidden_size"] == 16
    inputs = hub.load(str(out / "preprocess"))(tf.constant(["hello world"]))
    assert hub.KerasLayer(str(out / "encoder"))(inputs)["sequence_output"].shape == (1, 128, 16)


def test_convert_sets_the_precision_and_can_drop_the_attention_dropout(tmp_path, capfd):
    hf = make_checkpoint(tmp_path / "hf", hidden=16, layers=1, heads=2, hidden_dropout_prob=0.0)
    for name, rate in [("checkpoint_rate", []), ("no_attention_dropout", ["--attention-dropout",
                                                                          "0"])]:
        result = run_here(capfd, "convert", hf, tmp_path / name, "--precision", "mixed_bfloat16",
                          *rate)
        assert result.returncode == 0, result.stderr
    inputs = hub.load(str(tmp_path / "checkpoint_rate" / "preprocess"))(
        tf.constant(["a quiet film about a loud family"]))

    def two_training_passes(name):
        source = json.loads((tmp_path / name / "source.json").read_text())
        encoder = hub.KerasLayer(str(tmp_path / name / "encoder"), trainable=True)
        outputs = [encoder(inputs, training=True)["sequence_output"] for _ in range(2)]
        return source["precision"], source["attention_dropout"], outputs

    precision, rate, (first, second) = two_training_passes("checkpoint_rate")
    assert (precision, rate, first.dtype) == ("mixed_bfloat16", 0.1, tf.bfloat16)
    assert not np.array_equal(first, second)  # the checkpoint's attention dropout, the only one
    precision, rate, (first, second) = two_training_passes("no_attention_dropout")
    assert (precision, rate, first.dtype) == ("mixed_bfloat16", 0.0, tf.bfloat16)
    assert np.array_equal(first, second)
    assert refused(tmp_path, "convert", hf, tmp_path / "out", "--attention-dropout", "1",
                   capfd=capfd) == (
        "--attention-dropout must be in [0, 1) (got 1.0)")
