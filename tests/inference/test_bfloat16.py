"""The bfloat16 copy of a model: bfloat16 weights in half the bytes, the model's predictions, the
same accuracy guard as TFLite, and one-line refusals."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf

from readme import readme_block
from run_cli import failing_run, snapshot
from tfsenti.cli import main
from tfsenti.inference import bfloat16
from tfsenti.inference.predictor import load
from varied_text import varied_sentences


def variables_bytes(folder) -> int:
    return sum(p.stat().st_size for p in (folder / "variables").iterdir())


@pytest.fixture(scope="module")
def check_texts(tiny_model, tmp_path_factory):
    """40 varied sentences labelled with the tiny model's own predictions (its accuracy: 1.0)."""
    texts = varied_sentences(43, seed=3)[3:]  # the first three are blank or the README's
    labels = load(tiny_model).predict(texts).labels
    path = tmp_path_factory.mktemp("check") / "check.jsonl"
    path.write_text("".join(f"{json.dumps({'text': t, 'label': l})}\n"
                            for t, l in zip(texts, labels)), encoding="utf-8")
    return path


def test_bfloat16_copy_halves_the_weights_and_predicts_as_the_model(tiny_model, check_texts,
                                                                     tmp_path, capsys):
    """The README's command, on the tiny model; `--max-drop 5` lets two of the 40 texts whose
    probability lies within bfloat16's rounding of 0.5 change sides on any CPU."""
    out, serving = tmp_path / "bf16", tmp_path / "serving"
    command = readme_block("bash", "--precision bfloat16").replace("\\\n", " ").split()
    assert command[:2] == ["tfsenti", "export"] and "#" in command
    args = [{"saved_models/demo": str(tiny_model), "saved_models/demo_bf16": str(out),
             "tfsenti/demo/test": str(check_texts), "serving": str(serving)}.get(a, a)
            for a in command[1:command.index("#")]]
    assert main([*args, "--max-drop", "5", "--quiet"]) == 0
    info = json.loads((out / "config.json").read_text())
    assert info["serving_precision"] == "bfloat16" and info["class_names"] == ["neg", "pos"]
    assert info["check"]["passed"] and info["check"]["texts"] == 40
    assert capsys.readouterr().out.splitlines() == [
        f"bfloat16 model folder: {out}",
        f"accuracy on check (40 texts): model 1.0000, bf16 {info['check']['accuracy_export']:.4f} "
        f"(drop {info['check']['drop_points']:.2f} points; allowed 5.0)",
        f"TF Serving version folder: {serving / 'bf16' / '1'}"]
    assert json.loads((serving / "bf16/1/config.json").read_text())["serving_precision"] == "bfloat16"

    dtypes = tf.train.load_checkpoint(str(out / "variables/variables")).get_variable_to_dtype_map()
    matrices = {name: dtype for name, dtype in dtypes.items()
                if "OPTIMIZER" not in name and name.endswith("VARIABLE_VALUE")}
    float32 = sorted(name for name, dtype in matrices.items() if dtype == tf.float32)
    assert float32 and all(name.startswith("layer_with_weights-1/") for name in float32)  # head
    assert sum(dtype == tf.bfloat16 for dtype in matrices.values()) > 30  # the encoder's
    assert variables_bytes(out) < 0.6 * variables_bytes(tiny_model)

    texts = varied_sentences(200, seed=5)
    ours, theirs = load(out).predict(texts), load(tiny_model).predict(texts)
    np.testing.assert_allclose(ours.probabilities, theirs.probabilities, atol=0.02)
    assert ours.probabilities.dtype == np.float32


def test_the_guard_refuses_a_bfloat16_copy_that_loses_accuracy(tiny_model, check_texts, tmp_path,
                                                               monkeypatch, capfd):
    """A copy whose head is flipped on purpose (every label reversed): accuracy 1.0 -> 0.0."""
    rebuild = bfloat16.bfloat16_classifier

    def flipped(*args):
        model = rebuild(*args)
        head = model.get_layer("classifier")
        head.set_weights([-w for w in head.get_weights()])
        return model

    monkeypatch.setattr(bfloat16, "bfloat16_classifier", flipped)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    assert main(["export", "--model", str(tiny_model), "--precision", "bfloat16", "--out",
                 "out/bf16", "--check-data", str(check_texts), "--quiet"]) == 1
    assert capfd.readouterr().err.splitlines() == [
        "tfsenti: error: out/bf16: not written: accuracy on check drops 100.00 points "
        "(1.0000 -> 0.0000) with --precision bfloat16, more than --max-drop 0.5"]
    assert snapshot(tmp_path) == before


def test_bfloat16_export_refusals_are_one_line(tiny_model, tmp_path, capfd):
    hub_model = tmp_path / "hub_model"
    shutil.copytree(tiny_model, hub_model)
    info = json.loads((hub_model / "config.json").read_text())
    info["train_config"]["encoder"] = "small_bert/bert_en_uncased_L-2_H-128_A-2"
    info["encoder"]["encoder_handle"] = str(tmp_path / "tfhub_cache/abc123")
    (hub_model / "config.json").write_text(json.dumps(info))
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    (copy / "config.json").write_text(json.dumps({**info, "serving_precision": "bfloat16"}))
    model = ["export", "--model", tiny_model]
    cases = [
        ([*model, "--precision", "bfloat16"],
         "export --precision bfloat16 needs --out FOLDER (the bfloat16 model folder to write)"),
        ([*model, "--precision", "bfloat16", "--format", "tflite", "--out", tmp_path / "m.tflite"],
         "--precision is for --format savedmodel (TFLite: --quantize)"),
        ([*model, "--quantize", "dynamic", "--serving-dir", tmp_path],
         "--quantize is for --format tflite (a SavedModel: --precision)"),
        ([*model, "--check-data", tmp_path, "--serving-dir", tmp_path],
         "--out and --check-data are for --precision bfloat16 or --format tflite (a float32 "
         "SavedModel is copied as it is)"),
        (["export", "--model", copy, "--precision", "bfloat16", "--out", tmp_path / "again"],
         f"{copy}: already a bfloat16 copy; export from its float32 model"),
        (["export", "--model", hub_model, "--precision", "bfloat16", "--out", tmp_path / "bf16"],
         f"{hub_model}: --precision bfloat16 rebuilds the encoder, so it needs one tfsenti "
         "converted (the default 'minilm-l6' or a `tfsenti convert` folder); "
         "small_bert/bert_en_uncased_L-2_H-128_A-2 has no source.json beside it"),
    ]
    before = snapshot(tmp_path)
    for args, message in cases:
        assert failing_run(capfd, *args) == f"tfsenti: error: {message}"
    assert snapshot(tmp_path) == before
