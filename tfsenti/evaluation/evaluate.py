"""`evaluate`: a model's metrics on labelled texts, and optionally a report folder.

The model predicts every text (`tfsenti.inference.predictor`), `metrics` (or `multilabel` for a
multi-label model) scores the predictions, and `report` draws where the model goes wrong and
writes `report.md` with the most confident mistakes.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np

from tfsenti._staging import StagedFolder
from tfsenti.data.texts import LabeledTexts
from tfsenti.evaluation.calibration import calibration_metrics
from tfsenti.evaluation.binary import binary_curves
from tfsenti.evaluation.metrics import (accuracy_by_length, compute_metrics, confident_mistakes,
                                       predicted_ids)
from tfsenti.evaluation.multilabel import decisions, multilabel_metrics, multilabel_mistakes
from tfsenti.evaluation.plots import plot_evaluation
from tfsenti.evaluation.predictions_table import PREDICTIONS, write_predictions
from tfsenti.evaluation.report import write_report
from tfsenti.inference.predictor import Classifier, load


def score(data: LabeledTexts, probabilities: np.ndarray, classifier: Classifier,
          uncalibrated: np.ndarray | None = None) -> tuple[dict, list[dict]]:
    """(metrics, the most confident mistakes) of `classifier`'s `probabilities` on `data`: at
    the classifier's thresholds for a multi-label model, at its decision threshold for a binary
    model that has one, else of the most probable class; with what `trust_metrics` adds.

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "test").head_per_class(2)
        >>> clf = load("saved_models/demo")
        >>> metrics, mistakes = score(data, clf.predict(data.texts).probabilities, clf)
        >>> metrics["examples"], len(mistakes) <= 4
        (4, True)
    """
    if classifier.multilabel:
        metrics = multilabel_metrics(data.labels, probabilities, classifier.class_names,
                                     classifier.thresholds)
        mistakes = multilabel_mistakes(data.shown_texts(), data.labels, probabilities,
                                       classifier.class_names, classifier.thresholds)
    else:
        threshold = classifier.decision_threshold
        metrics = compute_metrics(data.labels, probabilities, classifier.class_names, threshold)
        mistakes = confident_mistakes(data.shown_texts(), data.labels, probabilities,
                                      classifier.class_names, threshold=threshold)
    return {**metrics, **trust_metrics(data, probabilities, classifier, uncalibrated)}, mistakes


def trust_metrics(data: LabeledTexts, probabilities: np.ndarray, classifier: Classifier,
                  uncalibrated: np.ndarray | None = None) -> dict:
    """How far to trust the predictions: `calibration` (the classifier's temperature, the
    expected calibration error and Brier score, also of the `uncalibrated` probabilities when
    given), `by_length` (accuracy of each quarter of the texts by words) and, for two classes,
    `roc_auc`, `average_precision`, the two curves (`roc_pr`) of the second class's probability
    and the `decision_threshold` on it (None: the more probable class)."""
    trust = {"calibration": {"temperature": classifier.temperature, **calibration_metrics(
        data.labels, probabilities, classifier.multilabel, uncalibrated)}}
    words = np.array([len(t.split()) for t in data.texts])
    if data.pairs is not None:
        words += [len(p.split()) for p in data.pairs]
    right = (np.all(decisions(probabilities, classifier.thresholds) == data.labels.astype(bool),
                    axis=-1) if classifier.multilabel
             else predicted_ids(probabilities, classifier.decision_threshold) == data.labels)
    trust["by_length"] = accuracy_by_length(words, right)
    if len(classifier.class_names) == 2 and not classifier.multilabel:
        curves = binary_curves(data.labels, probabilities[:, 1])
        trust.update(roc_auc=curves.pop("roc_auc"), average_precision=curves.pop(
            "average_precision"), roc_pr=curves, decision_threshold=classifier.decision_threshold)
    return trust


def evaluate(model: str | Path | Classifier, data: LabeledTexts, report_dir: str | Path | None = None,
             batch_size: int = 64, progress: bool = False, overwrite: bool = False) -> dict:
    """Metrics of a model (a folder or a loaded `Classifier`) on labelled texts.

    With `report_dir`, also writes `metrics.json`, the plot of where the model goes wrong
    (`confusion_matrix.png`, or `error_cooccurrence.png` for a multi-label model), the
    reliability diagram (`reliability.png`), accuracy by text length (`accuracy_by_length.png`),
    for two classes the ROC and precision-recall curves (`roc_pr.png`), every text's prediction (`predictions.csv`) and `report.md` there (built aside and moved into place when complete); an existing
    `report_dir` is an error before any work, unless `overwrite`. `progress` draws a progress
    bar on stderr (on a terminal).

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> metrics = evaluate("saved_models/demo", load_dataset(DEMO_DATA / "test"))
        >>> metrics["examples"], sorted(metrics["per_class"]), len(metrics["confusion_matrix"])
        (200, ['neg', 'pos'], 2)
    """
    with contextlib.ExitStack() as stack:
        stage = (None if report_dir is None else
                 stack.enter_context(StagedFolder(Path(report_dir), overwrite=overwrite)))
        classifier = model if isinstance(model, Classifier) else load(model)
        predictions = classifier.predict(data.texts, batch_size, progress=progress,
                                         pairs=data.pairs)
        metrics, mistakes = score(data, predictions.probabilities, classifier)
        if stage is not None:
            (stage.path / "metrics.json").write_text(json.dumps(metrics, indent=2))
            plot_evaluation(stage.path, metrics, data.labels, predictions.probabilities,
                            data_name=data.name)
            write_predictions(stage.path / PREDICTIONS, {"evaluation": (
                data, predictions.probabilities)}, classifier.thresholds,
                classifier.decision_threshold)
            write_report(stage.path, f"Evaluation on {data.name}", metrics, mistakes, data.name,
                         has_curves=False)
    return metrics
