"""Multi-label metrics, per-label thresholds and mistakes, from 0/1 label rows and probabilities.

Each label is its own yes/no decision: probability at or above the label's threshold. Thresholds
are tuned per label on validation data (`tune_thresholds`), because a rare label's best cut is
rarely 0.5. Metrics: subset accuracy (every label of a text right), Hamming loss (share of wrong
label decisions), precision / recall / F1 per label and averaged micro (over all decisions) and
macro (over labels), and which labels go wrong on the same texts (`error_cooccurrence`). Plain
numpy: no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from tfsenti.evaluation.metrics import wilson_interval

THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)


def _ratio(num, den) -> np.ndarray:
    """num / den, 0 where den is 0 (per label, or for summed counts)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.zeros(np.shape(den)), where=den > 0)


def _f1(tp, fp, fn) -> np.ndarray:
    """F1 = 2tp / (2tp + fp + fn), 0 where a label was neither predicted nor present."""
    return _ratio(2 * tp, 2 * tp + fp + fn)


def tune_thresholds(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Per label, the threshold of `THRESHOLD_GRID` with the best F1 on these examples (ties:
    the one nearest 0.5); 0.5 for a label no example carries.

    Example:
        >>> labels = np.array([[1, 0], [1, 0], [0, 1], [0, 0]])
        >>> probabilities = np.array([[0.3, 0.1], [0.4, 0.2], [0.2, 0.9], [0.1, 0.6]])
        >>> tune_thresholds(labels, probabilities).tolist()  # 0.3 catches both; 0.65 drops the 0.6
        [0.3, 0.65]
    """
    labels = np.asarray(labels, bool)
    predicted = decisions(probabilities[:, :, None], THRESHOLD_GRID)  # [N, C, thresholds]
    truth = labels[:, :, None]
    scores = _f1((predicted & truth).sum(0), (predicted & ~truth).sum(0),
                 (~predicted & truth).sum(0))  # [C, thresholds]
    # among the thresholds with the best score, the one nearest 0.5
    best = scores >= scores.max(axis=1, keepdims=True) - 1e-12
    nearest = np.where(best, np.abs(THRESHOLD_GRID - 0.5), np.inf).argmin(axis=1)
    return np.where(labels.any(axis=0), THRESHOLD_GRID[nearest], 0.5)


def decisions(probabilities: np.ndarray, thresholds) -> np.ndarray:
    """Boolean [N, C]: each label's probability at or above its threshold, compared in float32
    as the exported model compares them."""
    return np.asarray(probabilities, np.float32) >= np.asarray(thresholds, np.float32)


def error_cooccurrence(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Counts [C, C]: texts on which label i and label j were both decided wrongly; the diagonal
    holds each label's own errors.

    Example:
        >>> labels = np.array([[1, 1], [0, 1], [0, 0]])
        >>> error_cooccurrence(labels, np.array([[0, 0], [0, 1], [1, 0]], bool)).tolist()
        [[2, 1], [1, 1]]
    """
    wrong = (np.asarray(labels, bool) != predicted).astype(np.int64)
    return wrong.T @ wrong


def multilabel_metrics(labels: np.ndarray, probabilities: np.ndarray, class_names: list[str],
                       thresholds) -> dict:
    """All metrics of the label decisions `probabilities >= thresholds` against 0/1 `labels`.

    `accuracy` is the subset accuracy (texts with every label right), so it reads as strictly as
    single-label accuracy does.

    Example:
        >>> m = multilabel_metrics(np.array([[1, 0], [1, 1]]), np.array([[.9, .2], [.8, .3]]),
        ...                        ["joy", "awe"], [0.5, 0.5])
        >>> m["accuracy"], m["hamming_loss"], round(m["micro"]["f1"], 4), m["per_class"]["awe"]["f1"]
        (0.5, 0.25, 0.8, 0.0)
    """
    labels = np.asarray(labels, bool)
    thresholds = np.asarray(thresholds, float)
    predicted = decisions(probabilities, thresholds)
    tp, fp, fn = ((predicted & labels).sum(0), (predicted & ~labels).sum(0),
                  (~predicted & labels).sum(0))
    precision, recall, f1 = _ratio(tp, tp + fp), _ratio(tp, tp + fn), _f1(tp, fp, fn)
    per_class = {name: {"precision": float(precision[i]), "recall": float(recall[i]),
                        "f1": float(f1[i]), "support": int(labels[:, i].sum()),
                        "threshold": float(thresholds[i])}
                 for i, name in enumerate(class_names)}
    all_tp, all_fp, all_fn = tp.sum(), fp.sum(), fn.sum()
    micro = {"precision": float(_ratio(all_tp, all_tp + all_fp)),
             "recall": float(_ratio(all_tp, all_tp + all_fn)),
             "f1": float(_f1(all_tp, all_fp, all_fn))}
    examples, all_right = len(labels), int((predicted == labels).all(axis=1).sum())
    return {"task": "multilabel", "examples": int(examples),
            "accuracy": all_right / examples if examples else 0.0,
            "accuracy_95": list(wilson_interval(all_right, examples)),
            "hamming_loss": float((predicted != labels).mean()) if examples else 0.0,
            "micro": micro,
            "macro": {key: float(np.mean([c[key] for c in per_class.values()]))
                      for key in ("precision", "recall", "f1")},
            "per_class": per_class,
            "error_cooccurrence": error_cooccurrence(labels, predicted).tolist(),
            "class_names": list(class_names), "thresholds": thresholds.tolist()}


def multilabel_mistakes(texts: list[str], labels: np.ndarray, probabilities: np.ndarray,
                        class_names: list[str], thresholds, limit: int = 10) -> list[dict]:
    """The `limit` texts with the most confident wrong label decision: its confidence is the
    probability of a label wrongly given, or one minus that of a label wrongly withheld.

    Example:
        >>> mistakes = multilabel_mistakes(["a", "b"], np.array([[1, 0], [0, 1]]),
        ...                                np.array([[0.9, 0.7], [0.1, 0.8]]), ["joy", "awe"],
        ...                                [0.5, 0.5])
        >>> [(m["text"], m["true"], m["predicted"], m["confidence"]) for m in mistakes]
        [('a', 'joy', 'joy, awe', 0.7)]
    """
    labels = np.asarray(labels, bool)
    predicted = decisions(probabilities, thresholds)
    confidence = np.where(predicted != labels, np.where(predicted, probabilities, 1 - probabilities),
                          -1.0).max(axis=1, initial=-1.0)
    wrong = np.flatnonzero(confidence >= 0)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:limit]

    def names(row: np.ndarray) -> str:
        return ", ".join(n for n, on in zip(class_names, row) if on) or "(none)"

    return [{"text": texts[i], "true": names(labels[i]), "predicted": names(predicted[i]),
             "confidence": round(float(confidence[i]), 6)} for i in order]
