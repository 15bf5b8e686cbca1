"""TFLite export: the tokenizer inside gives the SavedModel's token ids, the file gives its
probabilities, `predict` runs it, and the accuracy guard refuses a broken export."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras
from ai_edge_litert.interpreter import InterpreterWithCustomOps
from tensorflow_text import tflite_registrar

from readme import readme_block
from run_cli import snapshot
from tfsenti.cli import main
from tfsenti.inference import tflite
from tfsenti.inference.predictor import load
from tfsenti.inference.tflite import StringModel, export_tflite, load_tflite, sidecar
from tfsenti.modeling.text_inputs import TextToBertInputs
from varied_text import varied_sentences


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory):
    """The tiny model as a float32 `.tflite` file."""
    return export_tflite(tiny_model, tmp_path_factory.mktemp("tflite") / "tiny.tflite")


@pytest.fixture(scope="module")
def string_model(tiny_model) -> StringModel:
    return StringModel(tiny_model)


@pytest.fixture(scope="module")
def saved_preprocessor(tiny_model):
    """The tiny model's SavedModel preprocessor (what its `serving_default` tokenizes with)."""
    classifier = keras.models.load_model(str(tiny_model), compile=False)
    return classifier.get_layer("preprocess").preprocessor


def test_tflite_token_ids_equal_the_saved_models_on_2000_varied_sentences(string_model,
                                                                         saved_preprocessor):
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [string_model.encoder_inputs.get_concrete_function()], string_model)
    converter.allow_custom_ops = True
    interpreter = InterpreterWithCustomOps(
        model_content=converter.convert(),
        custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS)
    tokenize = interpreter.get_signature_runner()
    sentences = varied_sentences(2000) + ["word " * 300]  # texts longer than seq_len 32 are cut
    saved = TextToBertInputs(saved_preprocessor, string_model.seq_len,
                             truncate=string_model.truncate)(tf.constant(sentences))
    ours = tokenize(text=np.asarray(sentences, dtype=object))
    assert ours["input_word_ids"].shape == (2001, 32)
    for name in ("input_word_ids", "input_mask", "input_type_ids"):
        np.testing.assert_array_equal(ours[name], saved[name].numpy(), err_msg=name)


@pytest.mark.parametrize("truncate", ["head", "tail", "head+tail"])
def test_dense_packing_cuts_long_texts_as_the_saved_model_does(string_model, saved_preprocessor,
                                                               truncate, monkeypatch):
    monkeypatch.setattr(string_model, "truncate", truncate)
    texts = ["one two three " * 20, "short", "", " ".join(str(i) for i in range(40))]
    tokens = string_model.tokenizer.tokenize(string_model.normalizer.normalize(tf.constant(texts)))
    saved = TextToBertInputs(saved_preprocessor, string_model.seq_len,
                             truncate=truncate)(tf.constant(texts))
    ours = string_model.pack(tokens)
    for name in ("input_word_ids", "input_mask", "input_type_ids"):
        np.testing.assert_array_equal(ours[name].numpy(), saved[name].numpy(), err_msg=name)


def test_float32_tflite_gives_the_saved_models_probabilities(tiny_model, exported):
    sentences = varied_sentences(300, seed=1)
    ours = load_tflite(exported).predict(sentences)
    saved = load(tiny_model).predict(sentences)
    np.testing.assert_allclose(ours.probabilities, saved.probabilities, atol=1e-4)
    assert ours.labels == saved.labels
    assert json.loads(sidecar(exported).read_text())["class_names"] == ["neg", "pos"]


def test_the_readme_interpreter_code_runs(exported, tmp_path, monkeypatch, capsys):
    shutil.copy(exported, tmp_path / "demo.tflite")
    shutil.copy(sidecar(exported), tmp_path / "demo.tflite.json")
    monkeypatch.chdir(tmp_path)
    exec(readme_block("python", "InterpreterWithCustomOps"), {})
    texts = ["What a film!", "Two hours I will never get back."]
    assert capsys.readouterr().out.startswith(str(load_tflite(exported).predict(texts).labels))


def test_predict_runs_a_tflite_file(exported, tiny_model, capsys):
    assert main(["predict", "--model", str(exported), "a fine film", "dull", "--quiet"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    saved = load(tiny_model).predict(["a fine film", "dull"])
    assert [line["label"] for line in lines] == saved.labels
    for line, probabilities in zip(lines, saved.probabilities):
        np.testing.assert_allclose(list(line["probabilities"].values()), probabilities, atol=1e-4)


def test_int8_weights_make_a_smaller_file_that_passes_the_check(tiny_model, exported,
                                                                small_reviews, tmp_path, capsys):
    quantize = "dynamic"
    out = tmp_path / f"{quantize}.tflite"
    assert main(["export", "--model", str(tiny_model), "--format", "tflite", "--quantize",
                 quantize, "--out", str(out), "--check-data", str(small_reviews / "test"),
                 "--quiet"]) == 0
    check = json.loads(sidecar(out).read_text())["check"]
    assert check["texts"] == 20 and check["passed"] and check["drop_points"] <= 0.5
    assert out.stat().st_size < 0.6 * exported.stat().st_size
    assert (f"accuracy on {check['data']} (20 texts): model {check['accuracy_model']:.4f}, "
            f"{quantize}.tflite {check['accuracy_export']:.4f}") in capsys.readouterr().out


def test_the_guard_refuses_an_export_that_loses_accuracy(tiny_model, tmp_path, monkeypatch,
                                                         capfd):
    """An export whose head is flipped on purpose (every label reversed) against texts labelled
    with the model's own predictions: accuracy 1.0 -> 0.0, so nothing may be written."""
    texts = varied_sentences(40, seed=2)[3:]
    labels = load(tiny_model).predict(texts).labels
    rows = "".join(f"{json.dumps({'text': t, 'label': l})}\n" for t, l in zip(texts, labels))
    (tmp_path / "check.jsonl").write_text(rows, encoding="utf-8")
    convert = tflite.convert

    def flipped_convert(module, quantize):
        head = module.logits.get_layer("classifier")
        head.set_weights([-w for w in head.get_weights()])
        return convert(module, quantize)

    monkeypatch.setattr(tflite, "convert", flipped_convert)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    code = main(["export", "--model", str(tiny_model), "--format", "tflite", "--out",
                 "out/model.tflite", "--check-data", "check.jsonl", "--quiet"])
    assert code == 1
    assert capfd.readouterr().err.splitlines() == [
        "tfsenti: error: out/model.tflite: not written: accuracy on check drops 100.00 points "
        "(1.0000 -> 0.0000) with --quantize none, more than --max-drop 0.5"]
    assert snapshot(tmp_path) == before


def test_the_file_serves_the_models_temperature_and_decision_threshold(tiny_model, tmp_path):
    folder = shutil.copytree(tiny_model, tmp_path / "model")
    texts = ["a fine film", "dull and long", "it was fine, I suppose", "no", "a film", "superb"]
    config = json.loads((folder / "config.json").read_text())
    saved = load(folder).predict(texts).probabilities[:, 1]
    cut = float(np.sort(saved)[1:3].mean())  # four texts above it, between two probabilities
    config["decision_threshold"] = cut
    (folder / "config.json").write_text(json.dumps(config))
    ours = load_tflite(export_tflite(folder, tmp_path / "cut.tflite")).predict(texts)
    np.testing.assert_allclose(ours.probabilities[:, 1], saved, atol=1e-4)  # calibrated alike
    assert ours.labels == ["pos" if p >= cut else "neg" for p in ours.probabilities[:, 1]]
    assert ours.labels.count("pos") == 4 != (saved >= 0.5).sum()  # not the more probable class
    info = json.loads(sidecar(tmp_path / "cut.tflite").read_text())
    assert (info["temperature"], info["decision_threshold"]) == (config["temperature"], cut)
    assert config["temperature"] is not None
