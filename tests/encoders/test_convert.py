"""Checkpoint conversion: a tiny checkpoint's conversion computes like an independent numpy BERT;
every bad input is one line, exit 2, no output. (The `tfsenti convert` command end to end:
tests/e2e/test_convert_cli.py.)"""

import json

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401

import tfsenti
from checkpoints import make_checkpoint, numpy_bert
from tfsenti.cli import main
from tfsenti.encoders.convert import read_checkpoint
from tfsenti.encoders.preprocess import BertPreprocessor


def run(capsys, *args) -> tuple[int, list[str]]:
    """(exit code, stderr lines) of the CLI run in this process."""
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.splitlines()


def test_converted_tiny_checkpoint_matches_numpy(tiny_encoder):
    hf, out = tiny_encoder.with_name("tiny_hf"), tiny_encoder  # conftest converts it once
    assert (out / "encoder" / "saved_model.pb").is_file()
    assert (out / "preprocess" / "assets" / "vocab.txt").is_file()
    inputs = hub.load(str(out / "preprocess"))(tf.constant(["hello world", "a much longer text"]))
    seq = hub.KerasLayer(str(out / "encoder"))(inputs)["sequence_output"].numpy()
    ref = numpy_bert(hf, inputs["input_word_ids"].numpy(), inputs["input_mask"].numpy())
    mask = inputs["input_mask"].numpy().astype(bool)
    assert np.abs(seq[mask] - ref[mask]).max() <= 1e-4


def test_cased_checkpoint_keeps_case(tmp_path):
    checkpoint = read_checkpoint(make_checkpoint(tmp_path / "hf", hidden=8, layers=1, heads=1,
                                                 lower_case=False))
    assert checkpoint.lower_case is False  # tokenizer_config.json's do_lower_case
    preprocessor = BertPreprocessor(checkpoint.vocab_file, checkpoint.lower_case)
    first, second = preprocessor.tokenize(tf.constant(["Hello hello"])).merge_dims(1, 2).to_list()[0]
    assert first != second  # "Hello" is not in the uncased vocabulary: [UNK] or split
    assert second == 7592


def _bin_only(hf):
    (hf / "model.safetensors").rename(hf / "pytorch_model.bin")


def _set(key, value):
    def edit(hf):
        config = json.loads((hf / "config.json").read_text())
        config[key] = value
        (hf / "config.json").write_text(json.dumps(config))
    return edit


@pytest.mark.parametrize("damage, message", [
    (_bin_only, "pytorch_model.bin but no model.safetensors"),
    (_set("model_type", "roberta"), "model_type 'roberta' is not supported"),
    (_set("hidden_act", "relu"), "hidden_act 'relu' is not supported"),
    (_set("position_embedding_type", "relative_key"), "position_embedding_type 'relative_key'"),
    (lambda hf: (hf / "vocab.txt").unlink(), "vocab.txt: missing"),
    (lambda hf: (hf / "config.json").unlink(), "config.json: missing"),
    (lambda hf: (hf / "model.safetensors").write_bytes(b"junk"), "unreadable safetensors"),
    (_set("vocab_size", 99), "vocab_size 99"),
])
def test_bad_checkpoint_is_one_line_error_and_no_output(tmp_path, capsys, damage, message):
    hf = make_checkpoint(tmp_path / "hf", hidden=8, layers=1, heads=1)
    damage(hf)
    code, errors = run(capsys, "convert", hf, tmp_path / "out")
    assert code == 2 and len(errors) == 1 and message in errors[0], errors
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["hf"]  # no temp folders left either


def test_missing_tensor_names_the_tensor(tmp_path):
    from safetensors.numpy import load_file, save_file

    hf = make_checkpoint(tmp_path / "hf", hidden=8, layers=1, heads=1)
    tensors = load_file(str(hf / "model.safetensors"))
    del tensors["bert.encoder.layer.0.output.dense.weight"]
    save_file(tensors, str(hf / "model.safetensors"))
    with pytest.raises(tfsenti.errors.ConversionError, match="encoder.layer.0.output.dense.weight"):
        tfsenti.convert_checkpoint(hf, tmp_path / "out")
    assert not (tmp_path / "out").exists()
