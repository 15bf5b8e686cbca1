"""Three classes end to end: JSONL in, softmax export out."""

import json
import random

import numpy as np

import tfsenti
from tfsenti.config import TrainConfig


TITLES = ["Northbound", "Red Mesa", "Blue Hour", "Cold Open", "Tin Angels", "Copper Sky",
          "The Arbiter", "Paper Lanterns", "Iron Orchard", "Saturday Matinee", "Dead Reckoning",
          "Low Tide Waltz"]


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


def test_three_classes_train_end_to_end(small_reviews, tmp_path):
    train, test = _three_class_splits(small_reviews)
    for name, rows in (("train", train), ("test", test)):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    config = TrainConfig(epochs=4, seq_len=48, batch_size=8, lr=1e-4, val_split=0.25,
                         deterministic=True)
    result = tfsenti.fine_tune(config, tmp_path / "train.jsonl", test_path=tmp_path / "test.jsonl",
                               out=tmp_path / "model", verbose=0)
    test_metrics = result.metrics["test"]
    assert test_metrics["class_names"] == ["negative", "neutral", "positive"]
    assert np.array(test_metrics["confusion_matrix"]).shape == (3, 3)
    assert test_metrics["examples"] == 18
    assert test_metrics["accuracy"] >= 0.75  # chance is 1/3
    predictions = tfsenti.load(result.folder).predict(["It runs 95 minutes and opened in 2001.",
                                                       "A joyless, tedious failure. Avoid it."])
    assert predictions.probabilities.shape == (2, 3)
    assert np.allclose(predictions.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert predictions.labels == ["neutral", "negative"]
