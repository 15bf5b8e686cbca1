"""`tfsenti convert` as a user runs it: a checkpoint folder in, two TF-Hub SavedModels out."""

import json

import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401

from checkpoints import make_checkpoint
from run_cli import tfsenti


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
