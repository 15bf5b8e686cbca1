"""Multi-label data (several labels per text): loading lists of labels, per-label thresholds and
metrics, and a model trained, reported, predicted with, evaluated and served as one."""

from __future__ import annotations

import csv
import json
import textwrap

import numpy as np
import pytest

import tfsenti
from readme import readme_block, run_with_tensorflow_only
from run_cli import failing_run, predict_records, snapshot
from sample_data import topic_rows, write_jsonl, write_table
from tfsenti.cli import main
from tfsenti.errors import DataError

TOPICS = ["food", "price", "service"]
REVIEW = "the pasta was wonderful and the waiter was awful"


def _as_tsv(rows: list[dict], separator: str = "|") -> list[dict]:
    return [{"text": r["text"], "label": separator.join(r["label"])} for r in rows]


def test_lists_of_labels_load_as_a_0_1_matrix_from_jsonl_or_a_separated_column(tmp_path):
    rows = topic_rows(40, seed=0)
    from_jsonl = tfsenti.load_dataset(write_jsonl(tmp_path / "t.jsonl", rows))
    assert from_jsonl.multilabel and from_jsonl.class_names == TOPICS
    expected = np.array([[name in r["label"] for name in TOPICS] for r in rows], dtype=np.int32)
    np.testing.assert_array_equal(from_jsonl.labels, expected)
    assert expected.sum(axis=1).min() == 0 and expected.sum(axis=1).max() == 3
    from_tsv = tfsenti.load_dataset(write_table(tmp_path / "t.tsv", _as_tsv(rows)),
                                    label_separator="|")
    np.testing.assert_array_equal(from_tsv.labels, expected)
    assert from_tsv.label_names(0) == rows[0]["label"]
    train, val = from_jsonl.split(0.25, seed=1)
    assert (len(train), len(val)) == (30, 10) and val.labels.shape == (10, 3)
    assert len(from_jsonl.head_per_class(2)) <= 6


def test_label_lists_that_cannot_be_read_are_named_by_file_row_and_column(tmp_path):
    rows = [{"text": "good soup", "label": ["food"]}, {"text": "fine", "label": "price"}]
    mixed = write_jsonl(tmp_path / "mixed.jsonl", rows)
    with pytest.raises(DataError, match=r"^\S+mixed.jsonl: column 'label' mixes lists of labels "
                                        r"\(row 1\) and single labels \(row 2\); write every "
                                        r"row's labels as a list$"):
        tfsenti.load_dataset(mixed)
    nested = write_jsonl(tmp_path / "nested.jsonl", [{"text": "x", "label": [["food"]]}])
    with pytest.raises(DataError, match=r"nested.jsonl: row 1: column 'label' lists \['food'\]; "
                                        r"a label is a name or a number$"):
        tfsenti.load_dataset(nested)
    lists = write_jsonl(tmp_path / "lists.jsonl", topic_rows(8, seed=2))
    with pytest.raises(DataError, match=r"lists.jsonl: row 1: column 'label' holds a list of "
                                        r"labels, but the model takes one label per text$"):
        tfsenti.load_dataset(lists, class_names=TOPICS, multilabel=False)
    single = write_jsonl(tmp_path / "single.jsonl", [{"text": "x", "label": "food"}])
    with pytest.raises(DataError, match=r"single.jsonl: column 'label' holds one label per row, "
                                        r"but the model is multi-label"):
        tfsenti.load_dataset(single, class_names=TOPICS, multilabel=True)
    with pytest.raises(DataError, match=r"lists.jsonl: labels \['food'\] in column 'label' were "
                                        r"not seen in training"):
        tfsenti.load_dataset(lists, class_names=["price", "service"])
    with pytest.raises(DataError, match="a folder gives each text one class"):
        tfsenti.load_dataset(tfsenti.DEMO_DATA / "test", label_separator="|")


def test_thresholds_are_tuned_per_label_and_metrics_count_every_decision():
    labels = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    probabilities = np.array([[0.35, 0.2, 0.1], [0.6, 0.7, 0.2], [0.1, 0.4, 0.3],
                              [0.3, 0.1, 0.9]])
    thresholds = tfsenti.tune_thresholds(labels, probabilities)
    # food: 0.35 and 0.6 are in, 0.3 out -> (0.3, 0.35]; price: 0.4 and 0.7 in -> (0.2, 0.4];
    # service has no positive example and keeps 0.5
    assert thresholds.tolist() == [0.35, 0.4, 0.5]
    metrics = tfsenti.multilabel_metrics(labels, probabilities, TOPICS, thresholds)
    assert metrics["accuracy"] == 0.75  # the last text gets "service" wrongly
    assert metrics["hamming_loss"] == pytest.approx(1 / 12)
    assert metrics["per_class"]["service"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                               "support": 0, "threshold": 0.5}
    assert metrics["micro"]["precision"] == 0.8 and metrics["micro"]["recall"] == 1.0
    assert metrics["macro"]["f1"] == pytest.approx(2 / 3)
    assert metrics["error_cooccurrence"] == [[0, 0, 0], [0, 0, 0], [0, 0, 1]]


@pytest.fixture(scope="module")
def topic_model(tiny_encoder, tmp_path_factory):
    """(folder with train.jsonl, test.jsonl and test.tsv, the model `tfsenti train` exported)."""
    root = tmp_path_factory.mktemp("topics")
    write_jsonl(root / "train.jsonl", topic_rows(64, seed=3))
    write_jsonl(root / "test.jsonl", topic_rows(24, seed=4))
    write_table(root / "test.tsv", _as_tsv(topic_rows(24, seed=4), separator=";"))
    assert main(["train", str(root / "train.jsonl"), "--test", str(root / "test.jsonl"),
                 "--encoder", str(tiny_encoder), "--epochs", "1", "--seq-len", "32", "--quiet",
                 "--out", str(root / "model")]) == 0
    return root, root / "model"


def test_the_export_records_thresholds_and_reports_per_label_metrics(topic_model):
    _, model = topic_model
    saved = json.loads((model / "config.json").read_text())
    assert saved["task"] == "multilabel" and saved["class_names"] == TOPICS
    assert len(saved["thresholds"]) == 3 and all(0 < t < 1 for t in saved["thresholds"])
    test = json.loads((model / "metrics.json").read_text())["test"]
    assert test["task"] == "multilabel" and test["examples"] == 24
    assert [test["per_class"][t]["threshold"] for t in TOPICS] == saved["thresholds"]
    assert np.array(test["error_cooccurrence"]).shape == (3, 3)
    report = (model / "report.md").read_text(encoding="utf-8")
    assert "| label | threshold | precision | recall | F1 | support |" in report
    assert "## Labels wrong on the same texts" in report and "| **micro** |" in report
    assert (model / "error_cooccurrence.png").is_file()
    assert not (model / "confusion_matrix.png").exists()
    temperature = np.atleast_1d(saved["temperature"])  # one shared, or one per label
    assert len(temperature) in (1, 3) and (temperature > 0).all()
    assert test["calibration"]["temperature"] == saved["temperature"]
    with (model / "predictions.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "test"]
    assert len(rows) == 24
    assert sum(int(r["correct"]) for r in rows) == round(test["accuracy"] * 24)
    for r in rows:
        chosen = [t for t, cut in zip(TOPICS, saved["thresholds"]) if float(r[f"p_{t}"]) >= cut]
        assert r["predicted"] == ",".join(chosen)


def test_predict_gives_every_label_at_or_above_its_threshold(topic_model, capfd):
    _, model = topic_model
    thresholds = json.loads((model / "config.json").read_text())["thresholds"]
    records = predict_records(capfd, "--model", model, REVIEW, "we sat by the window")
    for record in records:
        assert sorted(record["probabilities"]) == TOPICS
        assert record["labels"] == [t for t, cut in zip(TOPICS, thresholds)
                                    if record["probabilities"][t] >= cut - 1e-6]
    classifier = tfsenti.load(model)
    predictions = classifier.predict([REVIEW])
    assert classifier.multilabel and predictions.label_ids.shape == (1, 3)
    assert predictions.labels == [records[0]["labels"]]


def test_evaluate_reads_separated_labels_and_matches_the_training_report(topic_model, tmp_path,
                                                                         capfd):
    root, model = topic_model
    assert main(["evaluate", "--model", str(model), str(root / "test.tsv"), "--label-separator",
                 ";", "--report", str(tmp_path / "report"), "--quiet"]) == 0
    metrics = json.loads(capfd.readouterr().out)
    trained = json.loads((model / "metrics.json").read_text())["test"]
    for key in ("accuracy", "hamming_loss", "micro", "macro"):
        assert metrics[key] == pytest.approx(trained[key]), key
    assert metrics["error_cooccurrence"] == trained["error_cooccurrence"]
    assert (tmp_path / "report" / "error_cooccurrence.png").is_file()
    assert main(["export", "--model", str(model), "--check-serving"]) == 0  # core ops only


def test_multi_label_mistakes_are_one_line_and_write_nothing(topic_model, tiny_model, tiny_encoder,
                                                             tmp_path, capfd, monkeypatch):
    root, model = topic_model
    monkeypatch.chdir(tmp_path)
    assert failing_run(capfd, "evaluate", "--model", tiny_model, root / "test.jsonl") == (
        f"tfsenti: error: {root / 'test.jsonl'}: row 1: column 'label' holds a list of labels, "
        "but the model takes one label per text")
    write_table(tmp_path / "one.tsv", [{"text": "we sat by the window", "label": ""},
                                       {"text": REVIEW, "label": "food;service"}])
    assert failing_run(capfd, "evaluate", "--model", model, "one.tsv") == (
        "tfsenti: error: one.tsv: column 'label' holds one label per row, but the "
        "model is multi-label: write each row's labels as a JSON list, or give "
        "--label-separator")
    assert failing_run(capfd, "train", root / "train.jsonl", "--class-weight", "balanced",
                       "--encoder", tiny_encoder, "--out", "m") == (
        "tfsenti: error: --class-weight weighs the classes of single-label data; multi-label "
        "data have no one class per text: drop it")
    assert failing_run(capfd, "export", "--model", model, "--format", "tflite", "--out",
                       "m.tflite") == (
        f"tfsenti: error: {model}: the model is multi-label; TFLite export covers single-label "
        "models (serve it with the SavedModel)")
    assert snapshot(tmp_path) == ["one.tsv"]


def test_the_readme_serves_labels_in_a_process_with_only_tensorflow_and_tensorflow_text(
        topic_model, capfd):
    _, model = topic_model
    expected = predict_records(capfd, "--model", model, REVIEW)[0]
    script = readme_block("python", "above_threshold").replace("saved_models/topics",
                                                               str(model)) + textwrap.dedent(f"""
        out = serve(text=tf.constant([{REVIEW!r}]))
        print(out["probabilities"].numpy()[0].tolist())
        print(out["labels"].numpy()[0].decode())
    """)
    probabilities, labels = run_with_tensorflow_only(script)[-2:]
    np.testing.assert_allclose(json.loads(probabilities),
                               [expected["probabilities"][t] for t in TOPICS], atol=1e-5)
    assert labels == ",".join(expected["labels"])


@pytest.mark.benchmark  # about 80 s on 2 cores
def test_the_default_encoder_learns_which_topics_a_review_mentions(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", topic_rows(480, seed=5))
    test = write_jsonl(tmp_path / "test.jsonl", topic_rows(60, seed=6))
    config = tfsenti.TrainConfig(epochs=4, seq_len=32, batch_size=16, lr=1e-4, deterministic=True)
    result = tfsenti.fine_tune(config, train, test_path=test, out=tmp_path / "model", verbose=0)
    metrics = result.metrics["test"]
    print(f"topics: test micro-F1 {metrics['micro']['f1']:.4f}, subset accuracy "
          f"{metrics['accuracy']:.4f}")
    assert metrics["micro"]["f1"] >= 0.95, metrics
    assert tfsenti.load(result.folder).predict([REVIEW]).labels == [["food", "service"]]
