"""Small labelled sets end to end: 16 demo reviews per class with every default, three classes
and text pairs by the small-data plan, a time budget that stops its stage, a resumed run, and a
class too small to learn refused by name."""

import json
import time

import numpy as np
import pytest

import tfsenti
from run_cli import failing_run, killed_then_resumed, run_here
from sample_data import aspect_rows, copy_demo, write_table
from tfsenti.config import TrainConfig
from tfsenti.training.plan import plan_run
from tfsenti.training.small_data import train_small_data

# `tfsenti train` on these 16 reviews per class fine-tuned (`--small-data off`, otherwise the
# defaults) to 0.600 test accuracy on the demo's 200 test reviews; the small-data plan: 0.925.
FINE_TUNED_ACCURACY = 0.60


@pytest.mark.benchmark  # about 2 minutes on 2 cores: the default encoder, 392 pairs and a report
def test_sixteen_reviews_per_class_with_the_defaults_beat_fine_tuning_by_far(tmp_path, capfd):
    data = copy_demo(tmp_path / "data", {"train": 16, "test": 100})
    out = tmp_path / "model"
    result = run_here(capfd, "train", data / "train", "--test", data / "test", "--out", out)
    assert result.returncode == 0, result.stderr
    assert ("small-data plan: 14 texts in the smallest class (at most 256): a contrastive stage "
            "on 392 pairs, then a logistic-regression head on mean-pooled embeddings"
            in result.stderr)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] >= FINE_TUNED_ACCURACY + 0.2
    low, high = metrics["validation"]["accuracy_95"]  # 4 validation texts: a wide interval
    assert low < metrics["validation"]["accuracy"] <= high and high - low > 0.4
    assert f"(95% interval {low:.3f}-{high:.3f})" in result.stdout

    history = json.loads((out / "history.json").read_text())
    assert history["contrastive"]["pairs"] == 392 and history["steps"] == 25
    assert json.loads((out / "config.json").read_text())["train_config"]["pooling"] == "mean"
    report = (out / "report.md").read_text()
    assert "Training plan: small-data plan: 14 texts" in report
    assert "(95% interval" in report and "training_curves.png" not in report
    assert not (out / "training_curves.png").exists()
    served = tfsenti.load(out).predict(["A moving, beautifully acted film.",
                                        "Tedious and badly acted; I walked out."])
    assert served.labels == ["pos", "neg"]


def test_three_classes_train_by_the_small_data_plan(tiny_encoder, small_reviews, tmp_path):
    neutral = [f"The film runs {90 + i} minutes and opened on {100 + 7 * i} screens."
               for i in range(24)]
    rows = [{"text": t, "label": "neutral"} for t in neutral]
    for label in ("neg", "pos"):
        rows += [{"text": f.read_text(encoding="utf-8").strip(), "label": label}
                 for f in sorted((small_reviews / "train" / label).glob("*.txt"))]
    table = write_table(tmp_path / "three.tsv", [{"text": " ".join(r["text"].split()),
                                                  "label": r["label"]} for r in rows])
    config = TrainConfig(encoder=str(tiny_encoder), seq_len=32, deterministic=True)
    result = tfsenti.fine_tune(config, table, out=tmp_path / "model", verbose=0)
    assert result.history["plan"].startswith("small-data plan: 22 texts in the smallest class")
    assert result.history["contrastive"]["pairs"] == 2 * 1452  # twice the different-class pairs
    probabilities = tfsenti.load(result.folder).predict(neutral[:2]).probabilities
    assert probabilities.shape == (2, 3) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_text_pairs_train_by_the_small_data_plan_and_serve_pairs(tiny_encoder, tmp_path):
    table = write_table(tmp_path / "aspects.tsv", aspect_rows(40, seed=3))
    config = TrainConfig(encoder=str(tiny_encoder), seq_len=32, pair_column="aspect",
                         deterministic=True)
    result = tfsenti.fine_tune(config, table, out=tmp_path / "model", verbose=0)
    assert result.history["plan"].startswith("small-data plan:")
    assert result.history["contrastive"]["steps"] > 0
    predictions = tfsenti.load(result.folder).predict(
        ["the food was great but the service was slow"] * 2, pairs=["food", "service"])
    assert predictions.probabilities.shape == (2, 2)


def test_a_deadline_stops_the_stage_and_the_head_is_still_fitted(tiny_encoder, small_reviews):
    train, val = tfsenti.load_dataset(small_reviews / "train").split(0.25, seed=0)
    config, plan = plan_run(TrainConfig(encoder=str(tiny_encoder), seq_len=32), train)
    model = tfsenti.build_classifier(config, 2)
    before = model.get_layer("classifier").get_weights()[0].copy()
    history = train_small_data(config, plan, model, train, val, deadline=time.monotonic())
    assert history["steps"] == 0 and history["contrastive"]["loss"] is None
    assert not np.allclose(model.get_layer("classifier").get_weights()[0], before)
    assert 0 <= history["val_accuracy"][0] <= 1


def test_a_killed_small_data_run_resumes_to_the_end(tiny_encoder, small_reviews, tmp_path):
    out = tmp_path / "model"
    killed_then_resumed(["train", small_reviews / "train", "--encoder", tiny_encoder,
                         "--seq-len", "32", "--out", out],
                        once=out.with_name("model.partial") / "work" / "options.json")
    history = json.loads((out / "history.json").read_text())
    assert history["plan"].startswith("small-data plan:")


def test_a_class_with_too_few_texts_is_refused_in_one_line(tmp_path, capfd):
    rows = [{"text": f"a fine film, take {i}", "label": "pos"} for i in range(20)]
    rows += [{"text": f"a dull film, take {i}", "label": "neg"} for i in range(5)]
    table = write_table(tmp_path / "few.tsv", rows)
    assert failing_run(capfd, "train", table, "--out", tmp_path / "model") == (
        f"tfsenti: error: {table}: class 'neg' has 5 examples; every class needs at least 8 "
        "(--min-class-size lowers the limit)")
    assert not (tmp_path / "model").exists()
