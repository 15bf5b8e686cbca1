"""`tfsenti train` on a folder and a CSV, then `tfsenti predict` and `tfsenti evaluate`. The
folder's model is trained by `python -m tfsenti` as a user runs it, and texts piped to `predict`
reach a fresh process; the other commands run in this process (`run_cli.run_here`)."""

import csv
import json

import numpy as np
import pytest

from run_cli import run_here, tfsenti


@pytest.fixture(scope="module")
def model_dir(small_reviews, tmp_path_factory):
    """The default encoder fine-tuned by the CLI on the small review folder (train/ + test/)."""
    out = tmp_path_factory.mktemp("models") / "reviews_model"
    result = tfsenti("train", small_reviews, "--epochs", "4", "--seq-len", "48", "--batch-size", "8",
                     "--lr", "2e-4", "--val-split", "0.25", "--out", out, "--quiet", "--deterministic")
    assert result.returncode == 0, result.stderr
    assert f"exported {out}" in result.stdout
    return out


def test_train_writes_a_folder_that_explains_itself(model_dir):
    files = {p.name for p in model_dir.iterdir()}
    assert {"saved_model.pb", "variables", "assets", "config.json", "history.json", "metrics.json",
            "training_curves.png", "confusion_matrix.png", "reliability.png",
            "accuracy_by_length.png", "roc_pr.png", "predictions.csv", "report.md",
            "logs"} <= files
    assert not model_dir.with_name(model_dir.name + ".partial").exists()
    assert any((model_dir / "logs").rglob("events.out.tfevents.*"))  # TensorBoard

    config = json.loads((model_dir / "config.json").read_text())
    assert config["class_names"] == ["neg", "pos"]
    assert config["train_config"]["seq_len"] == 48 and config["train_config"]["epochs"] == 4
    assert config["data"]["train_examples"] + config["data"]["val_examples"] == 48
    assert config["trainable_params"] > 22_000_000  # the whole MiniLM encoder + head

    history = json.loads((model_dir / "history.json").read_text())
    assert len(history["loss"]) == len(history["val_accuracy"]) == 4
    assert history["best_epoch"] in range(1, 5)

    metrics = json.loads((model_dir / "metrics.json").read_text())
    test = metrics["test"]
    assert test["examples"] == 20 and np.sum(test["confusion_matrix"]) == 20
    assert [c["support"] for c in test["per_class"].values()] == [10, 10]
    assert test["accuracy"] >= 0.8  # the reviews are easy; 4 short epochs suffice
    assert np.trace(test["confusion_matrix"]) == round(test["accuracy"] * 20)
    assert -1 <= test["mcc"] <= 1 and 0 <= test["macro"]["f1"] <= 1
    calibration = test["calibration"]  # fitted on validation, built into the export
    assert calibration["temperature"] == config["temperature"] > 0
    assert {"ece", "ece_before", "brier", "brier_before"} <= set(calibration)
    assert 0 <= calibration["ece"] <= 1 and 0 <= calibration["brier"] <= 2

    report = (model_dir / "report.md").read_text()
    assert "| **macro** |" in report and "](training_curves.png)" in report
    assert "](confusion_matrix.png)" in report and "most confident mistakes" in report
    assert "## Calibration" in report and "](reliability.png)" in report
    assert "## Accuracy by text length" in report and "](predictions.csv)" in report
    assert "ROC AUC" in report and "](roc_pr.png)" in report
    assert ("Why the model decided" in report) == ("most confident mistakes" in report)
    assert test["accuracy"] >= 0.8 and test["roc_auc"] >= test["accuracy"] - 0.1
    assert sum(g["examples"] for g in test["by_length"]) == 20 and len(test["by_length"]) == 4
    assert test["by_length"][0]["words"][1] <= test["by_length"][-1]["words"][0]

    with (model_dir / "predictions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["split"] for r in rows] == ["validation"] * 12 + ["test"] * 20
    test_rows = rows[12:]
    assert sum(int(r["correct"]) for r in test_rows) == np.trace(test["confusion_matrix"])
    for r in test_rows:
        assert r["predicted"] == max(("neg", "pos"), key=lambda c: float(r[f"p_{c}"]))
        assert int(r["correct"]) == (r["label"] == r["predicted"])


def test_predict_texts_file_and_stdin_give_json_lines_in_input_order(model_dir, tmp_path, capfd):
    texts = ["An absolute delight, I loved every minute of it.",
             "Dull, clumsy and far too long. Avoid it.", "", "word " * 20_000]
    result = run_here(capfd, "predict", "--model", model_dir, *texts[:2])
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == texts[:2]
    assert [r["label"] for r in records] == ["pos", "neg"]
    for r in records:
        assert set(r["probabilities"]) == {"neg", "pos"}
        assert sum(r["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)

    (tmp_path / "texts.txt").write_text("\n".join(texts), encoding="utf-8")
    from_file = run_here(capfd, "predict", "--model", model_dir, "--file", tmp_path / "texts.txt",
                         "--skip-empty")
    from_stdin = tfsenti("predict", "--model", model_dir, "--skip-empty", stdin="\n".join(texts))
    assert from_file.returncode == from_stdin.returncode == 0, from_file.stderr + from_stdin.stderr
    assert from_file.stdout == from_stdin.stdout
    lines = [json.loads(line) for line in from_file.stdout.splitlines()]
    assert len(lines) == 3 and len(lines[2]["text"]) == 100_000
    for batched, alone in zip(lines[:2], records):  # other padding lengths: float rounding only
        assert batched["probabilities"] == pytest.approx(alone["probabilities"], abs=1e-5)


def test_evaluate_recomputes_the_exported_test_metrics(model_dir, small_reviews, tmp_path, capfd):
    result = run_here(capfd, "evaluate", "--model", model_dir, small_reviews / "test",
                      "--report", tmp_path / "report")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)  # stdout is the JSON document alone
    saved = json.loads((model_dir / "metrics.json").read_text())["test"]
    assert metrics["confusion_matrix"] == saved["confusion_matrix"]
    assert metrics["accuracy"] == pytest.approx(saved["accuracy"])
    assert metrics["mcc"] == pytest.approx(saved["mcc"])
    # the exported model serves the calibrated probabilities training measured
    for key in ("temperature", "ece", "brier"):
        assert metrics["calibration"][key] == pytest.approx(saved["calibration"][key], abs=1e-5)
    assert metrics["by_length"] == saved["by_length"]
    assert {p.name for p in (tmp_path / "report").iterdir()} == {
        "metrics.json", "confusion_matrix.png", "reliability.png", "accuracy_by_length.png",
        "roc_pr.png", "predictions.csv", "report.md"}
    assert metrics["roc_auc"] == pytest.approx(saved["roc_auc"], abs=1e-6)


def test_train_on_a_csv_with_named_columns_and_string_labels(tiny_encoder, tmp_path, small_reviews,
                                                             capfd):
    rows = [{"review": f.read_text(encoding="utf-8").strip(), "sentiment": label}
            for label in ("negative", "positive")
            for f in sorted((small_reviews / "train" / label[:3]).glob("*.txt"))]
    with open(tmp_path / "reviews.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["review", "sentiment"])
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "csv_model"
    result = run_here(capfd, "train", tmp_path / "reviews.csv", "--text-column", "review",
                      "--label-column", "sentiment", "--encoder", tiny_encoder, "--epochs", "1",
                      "--seq-len", "32", "--val-split", "0.25", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["class_names"] == ["negative", "positive"]
    assert config["train_config"]["lr"] == 1e-4  # `--lr auto` for one epoch, as used
    assert config["data"] == {"train": str(tmp_path / "reviews.csv"), "val": None, "test": None,
                              "train_examples": 36, "val_examples": 12}
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"validation"} and metrics["validation"]["examples"] == 12
    assert [c["support"] for c in metrics["validation"]["per_class"].values()] == [6, 6]  # stratified
    predicted = run_here(capfd, "predict", "--model", out, "fine")
    assert json.loads(predicted.stdout)["label"] in ("negative", "positive")


def test_train_warns_in_one_line_about_test_texts_seen_in_training_and_dedupe_drops_them(
        tiny_encoder, small_reviews, tmp_path, capfd):
    texts = {label: [f.read_text(encoding="utf-8").strip()
                     for f in sorted((small_reviews / "train" / label).glob("*.txt"))]
             for label in ("neg", "pos")}
    rows = [{"text": t, "label": label} for label, ts in texts.items() for t in ts]
    copies = [rows[0], rows[30], {"text": rows[5]["text"].upper(), "label": "neg"}]
    held_out = copies + [{"text": "A film I will remember for its warmth.", "label": "pos"}]
    for name, table in (("train", rows[4:]), ("val", rows[:4]), ("test", held_out)):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in table))
    result = run_here(capfd, "train", tmp_path / "train.jsonl", "--val", tmp_path / "val.jsonl",
                      "--test", tmp_path / "test.jsonl", "--encoder", tiny_encoder, "--epochs", "1",
                      "--seq-len", "32", "--quiet", "--dedupe", "--out", tmp_path / "deduped")
    assert result.returncode == 0, result.stderr
    line, *examples = result.stderr.splitlines()
    assert line.startswith("tfsenti: validation: 0 of 4 texts overlap training (0 identical, 0 "
                           "inside a training text, 0 containing one); test: 2 of 4 texts overlap")
    assert "dropped the 2 training texts involved" in line
    assert len(examples) == 2 and " ~ training " in examples[0]
    metrics = json.loads((tmp_path / "deduped" / "metrics.json").read_text())
    assert metrics["test"]["overlap_with_train"] == {"identical": 2, "inside_a_training_text": 0,
                                                     "containing_a_training_text": 0}
    assert "2 identical" in (tmp_path / "deduped" / "report.md").read_text()
    config = json.loads((tmp_path / "deduped" / "config.json").read_text())
    assert config["data"]["train_examples"] == len(rows) - 4 - 2
    assert config["train_config"]["dedupe"] is True


def test_explain_puts_the_deciding_word_first_and_attributions_add_up(model_dir, tmp_path, capfd):
    from tfsenti.evaluation.explain import Explainer

    texts = ["This film was wonderful.", "This film was dreadful.", "Wonderful acting."]
    explainer = Explainer.from_folder(model_dir)
    explanations = explainer.explain(texts)
    for explanation in explanations:  # the one sentiment word outweighs every other
        top = explanation.words[int(np.argmax(explanation.attributions))]
        assert top in ("wonderful", "dreadful"), explanation
        assert abs(explanation.gap) < 0.05 * max(1.0, max(map(abs, explanation.attributions)))
    long = explainer.explain(["unflinchingly " + "dull " * 60 + "end"])[0]
    # cut as the model cuts (46 pieces: the first 12, the last 34), pieces joined into words:
    # "unflinchingly" is 5 pieces, so 1 + 7 + 33 + 1 words
    assert long.words[:2] == ["unflinchingly", "dull"] and long.words[-1] == "end"
    assert len(long.words) == 42
    predicted = run_here(capfd, "predict", "--model", model_dir, *texts).stdout.splitlines()
    assert [e.label for e in explanations] == [json.loads(line)["label"] for line in predicted]

    result = run_here(capfd, "explain", "--model", model_dir, "--json", "--html",
                      tmp_path / "why.html", *texts[:2])
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == texts[:2]
    assert [w["word"] for w in records[0]["words"]] == ["this", "film", "was", "wonderful", "."]
    page = (tmp_path / "why.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('title="') == 10

    empty = run_here(capfd, "explain", "--model", model_dir, "")
    assert empty.returncode == 2 and empty.stderr.strip().splitlines() == [
        "tfsenti: error: text 1: empty text (--skip-empty leaves blank texts out)"]
