"""Three classes end to end: JSONL in, softmax export out (on the tiny encoder; that the default
encoder learns them is a benchmark)."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

import tfsenti
from tfsenti.config import TrainConfig


TITLES = ["Northbound", "Red Mesa", "Blue Hour", "Cold Open", "Tin Angels", "Copper Sky",
          "The Arbiter", "Paper Lanterns", "Iron Orchard", "Saturday Matinee", "Dead Reckoning",
          "Low Tide Waltz"]
PROBES = ["It runs 95 minutes and opened in 2001.", "A joyless, tedious failure. Avoid it."]


def _three_class_splits(small_reviews, per_class_test=6):
    """(train rows, test rows): 24 factual (neutral) sentences and 24 reviews of each polarity."""
    neutral = [f"{TITLES[i % 12]} runs {90 + 3 * i} minutes and opened in {1990 + i} on "
               f"{150 + 40 * i} screens." for i in range(24)]
    by_class = {"neutral": neutral}
    for folder, label in (("neg", "negative"), ("pos", "positive")):
        by_class[label] = [f.read_text(encoding="utf-8").strip()
                           for f in sorted((small_reviews / "train" / folder).glob("*.txt"))]
    train, test = [], []
    for label, texts in by_class.items():
        train += [{"text": t, "label": label} for t in texts[per_class_test:]]
        test += [{"text": t, "label": label} for t in texts[:per_class_test]]
    random.Random(0).shuffle(train)
    return train, test


def _three_class_files(small_reviews, folder: Path) -> tuple[Path, Path]:
    """train.jsonl and test.jsonl of `_three_class_splits` in `folder`."""
    paths = []
    for name, rows in zip(("train", "test"), _three_class_splits(small_reviews)):
        paths.append(folder / f"{name}.jsonl")
        paths[-1].write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return paths[0], paths[1]


def test_three_classes_train_and_export_a_softmax_model(tiny_config, small_reviews, tmp_path):
    train, test = _three_class_files(small_reviews, tmp_path)
    result = tfsenti.fine_tune(tiny_config(val_split=0.25), train, test_path=test,
                               out=tmp_path / "model", verbose=0)
    test_metrics = result.metrics["test"]
    assert test_metrics["class_names"] == ["negative", "neutral", "positive"]
    assert np.array(test_metrics["confusion_matrix"]).shape == (3, 3)
    assert np.sum(test_metrics["confusion_matrix"]) == test_metrics["examples"] == 18
    assert [c["support"] for c in test_metrics["per_class"].values()] == [6, 6, 6]
    predictions = tfsenti.load(result.folder).predict(PROBES)
    assert predictions.probabilities.shape == (2, 3)
    assert np.allclose(predictions.probabilities.sum(axis=1), 1.0, atol=1e-5)  # softmax
    assert set(predictions.labels) <= {"negative", "neutral", "positive"}


@pytest.mark.benchmark  # about 80 s on 2 cores: the default encoder, 4 epochs
def test_the_default_encoder_tells_the_three_classes_apart(small_reviews, tmp_path):
    train, test = _three_class_files(small_reviews, tmp_path)
    config = TrainConfig(epochs=4, seq_len=48, batch_size=8, lr=1e-4, val_split=0.25,
                         deterministic=True)
    result = tfsenti.fine_tune(config, train, test_path=test, out=tmp_path / "model", verbose=0)
    assert result.metrics["test"]["accuracy"] >= 0.75  # chance is 1/3
    predictions = tfsenti.load(result.folder).predict(PROBES)
    assert predictions.labels == ["neutral", "negative"]
