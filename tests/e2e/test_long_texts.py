"""`--long chunks`: a long text read whole in overlapping windows whose logits are pooled, through
an interrupted and resumed training run, predict, evaluate, the export and a process with only
TensorFlow."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import tensorflow as tf

import tfsenti
from readme import readme_block, run_with_tensorflow_only
from run_cli import failing_run, killed_then_resumed, predict_records, snapshot
from sample_data import aspect_rows, long_review_rows, write_table
from tfsenti.cli import main

REVIEW = long_review_rows(1, seed=99)[0]["text"]


@pytest.fixture(scope="module")
def chunk_model(tiny_encoder, tmp_path_factory):
    """(folder with train.tsv and test.tsv, the model of `tfsenti train --long chunks`, killed
    after its first epoch and finished with `--resume`)."""
    root = tmp_path_factory.mktemp("long")
    write_table(root / "train.tsv", long_review_rows(96, seed=1))
    write_table(root / "test.tsv", long_review_rows(16, seed=2))
    out = root / "model"
    args = ["train", root / "train.tsv", "--test", root / "test.tsv", "--encoder", tiny_encoder,
            "--long", "chunks", "--max-chunks", "8", "--seq-len", "32", "--epochs", "2",
            "--batch-size", "4", "--out", out]
    killed_then_resumed(args, once=root / "model.partial" / "work" / "best" / "epochs.json")
    return root, out


def test_a_resumed_chunked_run_completes_its_steps_and_records_the_windows(chunk_model):
    _, model = chunk_model
    history = json.loads((model / "history.json").read_text())
    assert len(history["loss"]) == 2 and history["steps"] == 2 * history["steps_per_epoch"] == 44
    saved = json.loads((model / "config.json").read_text())["train_config"]
    assert (saved["long"], saved["max_chunks"], saved["stride"]) == ("chunks", 8, None)
    assert json.loads((model / "metrics.json").read_text())["test"]["examples"] == 16


def test_predict_evaluate_and_a_process_with_only_tensorflow_agree(chunk_model, capfd):
    root, model = chunk_model
    verdict = REVIEW.split(". ")[5]
    records = predict_records(capfd, "--model", model, REVIEW, verdict)
    assert records[0]["probabilities"] != records[1]["probabilities"]
    assert main(["evaluate", "--model", str(model), str(root / "test.tsv"), "--quiet"]) == 0
    evaluated = json.loads(capfd.readouterr().out)
    assert evaluated["accuracy"] == json.loads((model / "metrics.json").read_text())["test"][
        "accuracy"]
    assert main(["export", "--model", str(model), "--check-serving"]) == 0
    script = readme_block("python", 'saved_models/demo").signatures').replace(
        "saved_models/demo", str(model)) + textwrap.dedent(f"""
        print(serve(text=tf.constant([{REVIEW!r}]))["probabilities"].numpy()[0].tolist())
    """)
    probabilities = run_with_tensorflow_only(script)[-1]
    np.testing.assert_allclose(json.loads(probabilities),
                               list(records[0]["probabilities"].values()), atol=1e-5)


def test_fixed_length_training_feeds_strings_that_the_model_cuts_into_windows(tiny_config,
                                                                              tmp_path):
    data = tfsenti.load_dataset(write_table(tmp_path / "a.tsv", long_review_rows(40, seed=5)))
    config = tiny_config(fixed_length=True, long="chunks", max_chunks=8)
    model, history = tfsenti.train(config, *data.split(0.2, seed=0), verbose=0)
    windows = model.get_layer("preprocess")(tf.constant([REVIEW]))
    assert history["steps"] == 2 and windows["input_word_ids"].shape == (5, 32)
    assert model(tf.constant([REVIEW, "dull"])).shape == (2, 1)


def test_chunk_options_that_cannot_work_are_one_line_and_write_nothing(chunk_model, tmp_path,
                                                                       capfd, monkeypatch):
    root, model = chunk_model
    monkeypatch.chdir(tmp_path)
    write_table(tmp_path / "aspects.tsv", aspect_rows(8, seed=0))
    train = root / "train.tsv"
    assert failing_run(capfd, "train", train, "--stride", "8") == (
        "tfsenti: error: --stride sets the step of --long chunks; add that or drop it")
    assert failing_run(capfd, "train", train, "--long", "chunks", "--seq-len", "32",
                       "--stride", "31") == (
        "tfsenti: error: --stride must be at most --seq-len minus 2 (the word pieces of a "
        "window), or windows skip text")
    assert failing_run(capfd, "train", "aspects.tsv", "--long", "chunks", "--pair-column",
                       "aspect") == (
        "tfsenti: error: --long chunks reads one long text in windows; text pairs (--pair-column) "
        "are packed into one window, drop one")
    assert failing_run(capfd, "train", train, "--long", "chunks", "--mode", "features") == (
        "tfsenti: error: --long chunks pools the logits of fine-tuned windows; --mode features "
        "embeds each text once, drop one")
    assert failing_run(capfd, "export", "--model", model, "--format", "tflite", "--out",
                       "m.tflite") == (
        f"tfsenti: error: {model}: the model reads long texts in windows (--long chunks); TFLite "
        "export covers truncated texts (serve it with the SavedModel)")
    assert snapshot(tmp_path) == ["aspects.tsv"]


@pytest.mark.benchmark  # about 3 minutes on 2 cores
def test_chunks_find_a_verdict_in_the_middle_that_head_and_tail_cut_away(tmp_path):
    train = write_table(tmp_path / "train.tsv", long_review_rows(320, seed=1))
    test = write_table(tmp_path / "test.tsv", long_review_rows(60, seed=2))
    accuracy = {}
    for long in ("truncate", "chunks"):  # 32 tokens: head+tail keeps 8 + 22 of about 100 pieces
        config = tfsenti.TrainConfig(long=long, max_chunks=8, epochs=3, seq_len=32,
                                     batch_size=16, deterministic=True)
        result = tfsenti.fine_tune(config, train, test_path=test, out=tmp_path / long, verbose=0)
        accuracy[long] = result.metrics["test"]["accuracy"]
    print(f"verdict in the middle: test accuracy {accuracy}")
    assert accuracy["chunks"] >= 0.95 and accuracy["truncate"] <= 0.75, accuracy
