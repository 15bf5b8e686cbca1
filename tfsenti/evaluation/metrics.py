"""Classification metrics from true labels and predicted probabilities.

Accuracy, precision / recall / F1 per class and macro-averaged, Matthews correlation (the
multi-class form of Gorodkin 2004, equal to the usual MCC for two classes) and the confusion
matrix (rows: true class, columns: predicted class). Plain numpy: no TensorFlow.
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts [true class, predicted class].

    Example:
        >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
        [[1, 0], [1, 1]]
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def matthews_corrcoef(matrix: np.ndarray) -> float:
    """Matthews correlation of a confusion matrix (Gorodkin's multi-class form).

    Example:
        >>> round(matthews_corrcoef(np.array([[5, 1], [2, 4]])), 4)
        0.5071
    """
    total = matrix.sum()
    correct = np.trace(matrix)
    true_counts, pred_counts = matrix.sum(axis=1), matrix.sum(axis=0)
    num = correct * total - pred_counts @ true_counts
    den = np.sqrt(float(total**2 - pred_counts @ pred_counts) * float(total**2 - true_counts @ true_counts))
    return _ratio(num, den)


def compute_metrics(labels: np.ndarray, probabilities: np.ndarray, class_names: list[str]) -> dict:
    """All metrics for predictions `argmax(probabilities)` against `labels`.

    Example:
        >>> m = compute_metrics(np.array([0, 1, 1]), np.array([[.9, .1], [.2, .8], [.6, .4]]),
        ...                     ["neg", "pos"])
        >>> round(m["accuracy"], 4), m["confusion_matrix"], round(m["macro"]["f1"], 4)
        (0.6667, [[1, 0], [1, 1]], 0.6667)
    """
    labels = np.asarray(labels)
    predicted = np.argmax(probabilities, axis=-1) if len(labels) else labels
    matrix = confusion_matrix(labels, predicted, len(class_names))
    per_class = {}
    for i, name in enumerate(class_names):
        tp = matrix[i, i]
        precision = _ratio(tp, matrix[:, i].sum())
        recall = _ratio(tp, matrix[i, :].sum())
        per_class[name] = {"precision": precision, "recall": recall,
                           "f1": _ratio(2 * precision * recall, precision + recall),
                           "support": int(matrix[i, :].sum())}
    macro = {key: float(np.mean([c[key] for c in per_class.values()]))
             for key in ("precision", "recall", "f1")}
    return {"examples": int(len(labels)), "accuracy": _ratio(np.trace(matrix), matrix.sum()),
            "macro": macro, "mcc": matthews_corrcoef(matrix), "per_class": per_class,
            "confusion_matrix": matrix.tolist(), "class_names": list(class_names)}


def confident_mistakes(texts: list[str], labels: np.ndarray, probabilities: np.ndarray,
                       class_names: list[str], limit: int = 10) -> list[dict]:
    """The `limit` wrong predictions with the highest predicted-class probability.

    Example:
        >>> mistakes = confident_mistakes(["a", "b"], np.array([0, 1]),
        ...                               np.array([[0.2, 0.8], [0.3, 0.7]]), ["neg", "pos"])
        >>> [(m["text"], m["predicted"], m["confidence"]) for m in mistakes]
        [('a', 'pos', 0.8)]
    """
    predicted = np.argmax(probabilities, axis=-1)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:limit]
    return [{"text": texts[i], "true": class_names[labels[i]], "predicted": class_names[predicted[i]],
             "confidence": float(probabilities[i, predicted[i]])} for i in order]

