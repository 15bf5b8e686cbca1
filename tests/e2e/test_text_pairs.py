"""Text pairs (aspect sentiment): two segments in, one label out, through an interrupted and
resumed training run, predict, evaluate, the report and the exported signature."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub

import tfsenti
from readme import readme_block, run_with_tensorflow_only
from run_cli import failing_run, killed_then_resumed, predict_records, snapshot
from tfsenti.cli import main
from sample_data import aspect_rows, write_table
from tfsenti.data.pipeline import length_grouped_dataset
from tfsenti.errors import DataError
from tfsenti.modeling.text_inputs import TextToBertInputs, tokenize_and_pack

SENTENCE = "the food was superb but the service was dreadful"


def test_training_ids_equal_the_string_models_ids_with_type_ids_after_the_first_sep(tiny_encoder):
    preprocessor = hub.load(str(tiny_encoder / "preprocess"))
    texts = [SENTENCE, "fine", "word " * 40]
    pairs = ["service", "a much longer second text " * 5, "x"]
    expected = TextToBertInputs(preprocessor, 24, pad_to_longest=False)(tf.constant(texts),
                                                                        tf.constant(pairs))
    ids = tokenize_and_pack(texts, preprocessor, 24, pairs=pairs)
    assert ids.row_lengths().numpy().tolist() == [13, 24, 24]  # round-robin cut to 24
    dataset, _ = length_grouped_dataset(ids, np.arange(3), batch_size=3, pairs=True)
    inputs, rows = next(iter(dataset))
    width = inputs["input_word_ids"].shape[1]
    for name, got in inputs.items():
        np.testing.assert_array_equal(got.numpy(), expected[name].numpy()[rows.numpy(), :width])
    first = expected["input_type_ids"].numpy()[0, :13].tolist()
    assert first == [0] * 11 + [1] * 2  # [CLS] the food ... dreadful [SEP] | service [SEP]
    longest_first = expected["input_type_ids"].numpy()[2].tolist()
    assert longest_first == [0] * 22 + [1] * 2  # 20 of 40 words, then "x" [SEP]


def test_a_table_with_a_pair_column_loads_pairs_and_an_empty_pair_cell_is_named(tmp_path):
    rows = aspect_rows(6, seed=0)
    data = tfsenti.load_dataset(write_table(tmp_path / "a.tsv", rows), pair_column="aspect")
    assert data.pairs == [r["aspect"] for r in rows]
    assert data.shown_texts()[0] == f"{rows[0]['text']} | {rows[0]['aspect']}"
    assert data.subset(np.arange(6) < 2, "first").pairs == data.pairs[:2]
    rows[2]["aspect"] = " "
    with pytest.raises(DataError, match=r"b.tsv: row 3: empty text in column 'aspect'$"):
        tfsenti.load_dataset(write_table(tmp_path / "b.tsv", rows), pair_column="aspect")
    with pytest.raises(DataError, match=r"a.tsv: no column 'aspects' \(columns: \['text', "
                                        r"'aspect', 'label'\]\)"):
        tfsenti.load_dataset(tmp_path / "a.tsv", pair_column="aspects")


def test_fixed_length_training_feeds_both_strings(tiny_config, tmp_path):
    data = tfsenti.load_dataset(write_table(tmp_path / "a.tsv", aspect_rows(40, seed=5)),
                                pair_column="aspect")
    model, history = tfsenti.train(tiny_config(fixed_length=True), *data.split(0.2, seed=0),
                                   verbose=0)
    assert history["steps"] == 2 and model.input_names == ["text", "text_pair"]
    predictions = tfsenti.Classifier.from_model(model, data.class_names).predict(
        [SENTENCE], pairs=["food"])
    assert predictions.probabilities.shape == (1, 2)


@pytest.mark.benchmark  # about 2 minutes on 2 cores: the default encoder needs ~150 steps here
def test_the_default_encoder_learns_which_aspect_is_asked_about(tmp_path):
    train = write_table(tmp_path / "train.tsv", aspect_rows(640, seed=1))
    test = write_table(tmp_path / "test.tsv", aspect_rows(60, seed=2))
    config = tfsenti.TrainConfig(pair_column="aspect", epochs=6, seq_len=32, batch_size=16,
                                 lr=1e-4, deterministic=True)
    result = tfsenti.fine_tune(config, train, test_path=test, out=tmp_path / "model", verbose=0)
    print(f"aspect pairs: test accuracy {result.metrics['test']['accuracy']:.4f}")
    assert result.metrics["test"]["accuracy"] >= 0.95, result.metrics["test"]
    predictions = tfsenti.load(result.folder).predict([SENTENCE, SENTENCE],
                                                      pairs=["food", "service"])
    assert predictions.labels == ["pos", "neg"]


@pytest.fixture(scope="module")
def pair_model(tiny_encoder, tmp_path_factory):
    """(folder with train.tsv and test.tsv, the model `tfsenti train --pair-column` exported:
    killed after its first epoch and finished with `--resume`)."""
    root = tmp_path_factory.mktemp("pairs")
    write_table(root / "train.tsv", aspect_rows(64, seed=3))
    write_table(root / "test.tsv", aspect_rows(16, seed=4))
    args = ["train", root / "train.tsv", "--test", root / "test.tsv", "--pair-column", "aspect",
            "--encoder", tiny_encoder, "--epochs", "3", "--batch-size", "16", "--seq-len", "32",
            "--out", root / "model"]
    killed_then_resumed(args, once=root / "model.partial" / "work" / "best" / "epochs.json")
    history = json.loads((root / "model" / "history.json").read_text())
    assert history["steps"] == 3 * history["steps_per_epoch"] == 12
    return root, root / "model"


def test_predict_takes_one_pair_for_all_texts_or_a_tab_per_line(pair_model, tmp_path, capfd):
    _, model = pair_model
    given = predict_records(capfd, "--model", model, "--pair", "service", SENTENCE, "dull")
    assert [(r["text"], r["text_pair"]) for r in given] == [(SENTENCE, "service"),
                                                            ("dull", "service")]
    lines = tmp_path / "pairs.txt"
    lines.write_text(f"{SENTENCE}\tservice\n{SENTENCE}\tfood\n", encoding="utf-8")
    from_file = predict_records(capfd, "--model", model, "--file", lines)
    assert [r["text_pair"] for r in from_file] == ["service", "food"]
    assert from_file[0]["probabilities"] == given[0]["probabilities"]
    assert from_file[1]["probabilities"] != from_file[0]["probabilities"]  # the pair is read


def test_a_missing_or_unexpected_pair_is_one_line(pair_model, tiny_model, tmp_path, capfd,
                                                  monkeypatch):
    root, model = pair_model
    monkeypatch.chdir(tmp_path)
    assert failing_run(capfd, "predict", "--model", model, SENTENCE) == (
        "tfsenti: error: text 1: the model takes text pairs: write TEXT<TAB>PAIR, or give every "
        "text the same pair with --pair")
    (tmp_path / "half.txt").write_text(f"{SENTENCE}\t \n", encoding="utf-8")
    assert failing_run(capfd, "predict", "--model", model, "--file", "half.txt") == (
        "tfsenti: error: half.txt: line 1: empty pair before or after the tab")
    assert failing_run(capfd, "predict", "--model", model, "--pair", " ", SENTENCE) == (
        "tfsenti: error: --pair is empty")
    assert failing_run(capfd, "predict", "--model", tiny_model, "--pair", "food", SENTENCE) == (
        f"tfsenti: error: {tiny_model} takes single texts: drop --pair")
    assert failing_run(capfd, "evaluate", "--model", model, root / "test.tsv") == (
        f"tfsenti: error: {model} takes text pairs: name the second text's column with "
        "--pair-column")
    assert failing_run(capfd, "train", root, "--pair-column", "aspect", "--out", "m") == (
        f"tfsenti: error: {root}: a folder holds one text per file; text pairs (--pair-column "
        "aspect) need a .csv, .tsv or .jsonl table")
    assert failing_run(capfd, "export", "--model", model, "--format", "tflite", "--out",
                       "m.tflite") == (
        f"tfsenti: error: {model}: the model takes text pairs; TFLite export covers single-text "
        "models (serve pairs with the SavedModel)")
    assert snapshot(tmp_path) == ["half.txt"]


def test_evaluate_report_and_config_carry_the_pairs(pair_model, tmp_path, capfd):
    root, model = pair_model
    assert main(["evaluate", "--model", str(model), str(root / "test.tsv"), "--pair-column",
                 "aspect", "--report", str(tmp_path / "report"), "--quiet"]) == 0
    assert json.loads(capfd.readouterr().out)["examples"] == 16
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    mistakes = [line for line in report.splitlines() if line.startswith("| 0.")]
    assert mistakes and all(" \\| " in line for line in mistakes)  # text | pair, escaped
    saved = json.loads((model / "config.json").read_text())
    assert saved["train_config"]["pair_column"] == "aspect"
    assert json.loads((model / "metrics.json").read_text())["test"]["examples"] == 16
    assert main(["export", "--model", str(model), "--check-serving"]) == 0


def test_the_readme_serves_pairs_in_a_process_with_only_tensorflow_and_tensorflow_text(
        pair_model, capfd, tmp_path):
    _, model = pair_model
    readme = readme_block("python", "text_pair=")
    text = "the food was great but the service slow"
    expected = [r["probabilities"]["pos"] for r in predict_records(
        capfd, "--model", model, "--file", _lines(tmp_path, text, ["food", "service"]))]
    script = readme.replace("saved_models/aspects", str(model)) + textwrap.dedent(f"""
        pairs = serve(text=tf.constant([{text!r}] * 2), text_pair=tf.constant(["food", "service"]))
        print(pairs["probabilities"].numpy()[:, 1].tolist())
    """)
    (probabilities,) = run_with_tensorflow_only(script)
    np.testing.assert_allclose(json.loads(probabilities), expected, atol=1e-5)


def _lines(folder, text: str, pairs: list[str]):
    path = folder / "readme_pairs.txt"
    path.write_text("".join(f"{text}\t{pair}\n" for pair in pairs), encoding="utf-8")
    return path
