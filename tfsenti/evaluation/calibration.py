"""Calibration: temperature scaling, and how far probabilities are from frequencies.

A classifier is calibrated when, of the texts it gives probability 0.9, nine in ten are right.
Fine-tuned transformers are usually over-confident and a logistic head fitted with a penalty is
usually under-confident. `fit_temperature` finds the one number T (Guo et al., 2017) by which
dividing the logits maximises the validation data's likelihood; dividing every logit by the same
positive T keeps every argmax and the sign of every binary logit, so no predicted label changes.
A weak prior, log T ~ N(0, 1), keeps T near 1 when validation holds only a few texts (and finite
when validation is classified without a mistake). A multi-label model gets one temperature per
label or one shared, whichever predicts held-out halves of validation better.

`expected_calibration_error` (15 equal-width bins; Naeini et al., 2015) and `brier_score`
measure it, before and after. Plain numpy: no TensorFlow.
"""

from __future__ import annotations

import numpy as np

BINS = 15
LOG_T_GRID = np.linspace(-4.0, 4.0, 81)  # T from 0.018 to 55, searched in steps of 0.1 in log T
PRIOR_SD = 1.0  # of log T


def _nll(logits: np.ndarray, labels: np.ndarray, multilabel: bool) -> np.ndarray:
    """Negative log-likelihood per text of `labels` under `logits` (summed over labels for a
    multi-label model): a single logit column is a binary model's (sigmoid), else softmax."""
    if multilabel or logits.shape[-1] == 1:
        targets = labels if multilabel else labels[:, None]
        return (np.logaddexp(0.0, logits) - targets * logits).sum(axis=-1)
    return (np.logaddexp.reduce(logits, axis=-1)
            - np.take_along_axis(logits, labels[:, None], axis=-1)[:, 0])


def _fit_one(logits: np.ndarray, labels: np.ndarray, multilabel: bool) -> float:
    """The temperature of the highest posterior: likelihood of `labels` under `logits / T`
    times the prior of log T; on a grid of log T, then refined by golden-section search."""
    def cost(log_t: float) -> float:
        return float(_nll(logits / np.exp(log_t), labels, multilabel).sum()
                     + 0.5 * (log_t / PRIOR_SD) ** 2)

    costs = [cost(u) for u in LOG_T_GRID]
    best = int(np.argmin(costs))
    low, high = LOG_T_GRID[max(best - 1, 0)], LOG_T_GRID[min(best + 1, len(LOG_T_GRID) - 1)]
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(30):  # the bracket shrinks to 0.2 * 0.618^30 in log T
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        low, high = (low, b) if cost(a) < cost(b) else (a, high)
    return float(np.exp((low + high) / 2))


def fit_temperature(logits: np.ndarray, labels: np.ndarray, multilabel: bool = False
                    ) -> float | list[float]:
    """The temperature T that calibrates `logits / T` on these labelled texts.

    `logits` [N, 1] (binary, sigmoid) or [N, C] (softmax; for a multi-label model a sigmoid per
    label, with 0/1 `labels` [N, C]); `labels` [N] class ids otherwise. A multi-label model gets a
    list of one T per label when that predicts the held-out half of validation better, in both
    halves together, than one shared T.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> logits = rng.normal(0, 4, (20000, 1))  # labels drawn as if logits were 2x too big
        >>> labels = (rng.random(20000) < 1 / (1 + np.exp(-logits[:, 0] / 2))).astype(int)
        >>> round(fit_temperature(logits, labels), 1)
        2.0
    """
    logits = np.asarray(logits, np.float64)
    labels = np.asarray(labels)
    if not multilabel:
        return _fit_one(logits, labels, False)
    halves = np.arange(len(labels)) % 2 == 0
    held_out = {"shared": 0.0, "per_label": 0.0}
    for fit, test in ((halves, ~halves), (~halves, halves)):
        shared = _fit_one(logits[fit], labels[fit], True)
        held_out["shared"] += _nll(logits[test] / shared, labels[test], True).sum()
        each = np.array([_fit_one(logits[fit][:, [c]], labels[fit][:, [c]], True)
                         for c in range(logits.shape[1])])
        held_out["per_label"] += _nll(logits[test] / each, labels[test], True).sum()
    if held_out["per_label"] < held_out["shared"]:
        return [_fit_one(logits[:, [c]], labels[:, [c]], True) for c in range(logits.shape[1])]
    return _fit_one(logits, labels, True)


def reliability_bins(labels: np.ndarray, probabilities: np.ndarray, multilabel: bool = False,
                     bins: int = BINS) -> dict[str, np.ndarray]:
    """Per equal-width bin of confidence: `count`, mean `confidence`, `accuracy` (NaN where a
    bin is empty). Confidence is the predicted class's probability; for a multi-label model
    every label's probability is its own forecast and `accuracy` the share of texts that carry
    the label.

    Example:
        >>> b = reliability_bins(np.array([0, 1, 0]), np.array([[.9, .1], [.2, .8], [.3, .7]]),
        ...                      bins=5)  # confidences 0.9, 0.8 (both right) and 0.7 (wrong)
        >>> b["count"].tolist(), b["accuracy"][-2:].tolist()
        ([0, 0, 0, 1, 2], [0.0, 1.0])
    """
    probabilities = np.asarray(probabilities, np.float64)
    if multilabel:
        confidence, hit = probabilities.ravel(), np.asarray(labels, np.float64).ravel()
    else:
        confidence = probabilities.max(axis=-1)
        hit = (probabilities.argmax(axis=-1) == np.asarray(labels)).astype(np.float64)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"count": count,
                "confidence": np.bincount(which, confidence, bins) / count,
                "accuracy": np.bincount(which, hit, bins) / count}


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray,
                               multilabel: bool = False, bins: int = BINS) -> float:
    """The count-weighted mean gap between confidence and accuracy over `bins` equal-width bins
    (see `reliability_bins`): 0 for a perfectly calibrated model.

    Example:
        >>> round(expected_calibration_error(np.array([0, 1, 0]),
        ...                                  np.array([[.9, .1], [.2, .8], [.3, .7]])), 4)
        0.3333
    """
    b = reliability_bins(labels, probabilities, multilabel, bins)
    filled = b["count"] > 0
    gaps = np.abs(b["confidence"][filled] - b["accuracy"][filled])
    return float((b["count"][filled] * gaps).sum() / max(b["count"].sum(), 1))


def brier_score(labels: np.ndarray, probabilities: np.ndarray, multilabel: bool = False) -> float:
    """Brier's score: the mean over texts of the squared distance between the probabilities and
    the one-hot (multi-label: 0/1) truth; 0 is perfect. For two classes this is twice the
    single-probability form of `sklearn.metrics.brier_score_loss`.

    Example:
        >>> round(brier_score(np.array([0, 1]), np.array([[.9, .1], [.4, .6]])), 4)
        0.17
    """
    probabilities = np.asarray(probabilities, np.float64)
    truth = (np.asarray(labels, np.float64) if multilabel
             else np.eye(probabilities.shape[-1])[np.asarray(labels)])
    return float(((probabilities - truth) ** 2).sum(axis=-1).mean()) if len(truth) else 0.0


def calibration_metrics(labels: np.ndarray, probabilities: np.ndarray, multilabel: bool = False,
                        uncalibrated: np.ndarray | None = None) -> dict:
    """`ece` and `brier` of `probabilities`, and of the `uncalibrated` ones (as `ece_before`,
    `brier_before`) when given.

    Example:
        >>> m = calibration_metrics(np.array([0, 1]), np.array([[.9, .1], [.4, .6]]))
        >>> sorted(m), round(m["ece"], 2)
        (['brier', 'ece'], 0.25)
    """
    result = {"ece": expected_calibration_error(labels, probabilities, multilabel),
              "brier": brier_score(labels, probabilities, multilabel)}
    if uncalibrated is not None:
        result.update(ece_before=expected_calibration_error(labels, uncalibrated, multilabel),
                      brier_before=brier_score(labels, uncalibrated, multilabel))
    return result
