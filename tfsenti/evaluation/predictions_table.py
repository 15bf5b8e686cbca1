"""`predictions.csv`: every validation and test text of a training run with its true label, the
predicted label and each class's probability, so users can sort and filter the errors
themselves (a spreadsheet, pandas, `grep`).

Columns: `split`, `text` (and `text_pair` for a model of pairs), `label`, `predicted`, `correct`
(1 or 0), then `p_<class>` per class. A multi-label model's `label` and `predicted` list the
names joined by `,` (its `correct`: every label right).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from tfsenti.data.texts import LabeledTexts
from tfsenti.evaluation.metrics import predicted_ids
from tfsenti.evaluation.multilabel import decisions

PREDICTIONS = "predictions.csv"


def predicted_names(probabilities: np.ndarray, class_names: list[str],
                    thresholds: list[float] | None = None,
                    decision_threshold: float | None = None) -> list[list[str]]:
    """The names each row of `probabilities` predicts: the most probable class (or, for a binary
    model with a `decision_threshold`, as `predicted_ids` says), or for a multi-label model every
    label at or above its threshold.

    Example:
        >>> predicted_names(np.array([[.2, .8], [.6, .4]]), ["neg", "pos"])
        [['pos'], ['neg']]
    """
    if thresholds is None:
        return [[class_names[i]] for i in predicted_ids(probabilities, decision_threshold)]
    return [[n for n, on in zip(class_names, row) if on]
            for row in decisions(probabilities, thresholds)]


def write_predictions(path: Path, splits: dict[str, tuple[LabeledTexts, np.ndarray]],
                      thresholds: list[float] | None = None,
                      decision_threshold: float | None = None) -> Path:
    """Write `predictions.csv` for {split: (labelled texts, their probabilities)}; `thresholds`
    for a multi-label model, `decision_threshold` for a binary model that has one.

    Example:
        >>> import tempfile
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "test").head_per_class(1)
        >>> path = write_predictions(Path(tempfile.mkdtemp()) / PREDICTIONS,
        ...                          {"test": (data, np.array([[.9, .1], [.7, .3]]))})
        >>> [row[-5:] for row in csv.reader(path.open(encoding="utf-8"))][1:]
        [['neg', 'neg', '1', '0.900000', '0.100000'], ['pos', 'neg', '0', '0.700000', '0.300000']]
    """
    first = next(iter(splits.values()))[0]
    names = first.class_names
    header = ["split", "text", *(["text_pair"] if first.pairs is not None else []), "label",
              "predicted", "correct", *(f"p_{name}" for name in names)]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for split, (data, probabilities) in splits.items():
            predicted = predicted_names(probabilities, names, thresholds, decision_threshold)
            for i, text in enumerate(data.texts):
                truth = data.label_names(i)
                pair = [data.pairs[i]] if data.pairs is not None else []
                writer.writerow([split, text, *pair, ",".join(truth), ",".join(predicted[i]),
                                 int(truth == predicted[i]),
                                 *(f"{p:.6f}" for p in probabilities[i])])
    return path
