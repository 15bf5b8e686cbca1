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
from tfsenti.evaluation.metrics import compute_metrics, confident_mistakes
from tfsenti.evaluation.multilabel import multilabel_metrics, multilabel_mistakes
from tfsenti.evaluation.report import plot_errors, write_report
from tfsenti.inference.predictor import Classifier, load


def score(data: LabeledTexts, probabilities: np.ndarray, classifier: Classifier
          ) -> tuple[dict, list[dict]]:
    """(metrics, the most confident mistakes) of `classifier`'s `probabilities` on `data`: at
    the classifier's thresholds for a multi-label model, else of the most probable class.

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "test").head_per_class(2)
        >>> clf = load("saved_models/demo")
        >>> metrics, mistakes = score(data, clf.predict(data.texts).probabilities, clf)
        >>> metrics["examples"], len(mistakes) <= 4
        (4, True)
    """
    if classifier.multilabel:
        return (multilabel_metrics(data.labels, probabilities, classifier.class_names,
                                   classifier.thresholds),
                multilabel_mistakes(data.shown_texts(), data.labels, probabilities,
                                    classifier.class_names, classifier.thresholds))
    return (compute_metrics(data.labels, probabilities, classifier.class_names),
            confident_mistakes(data.shown_texts(), data.labels, probabilities,
                               classifier.class_names))


def evaluate(model: str | Path | Classifier, data: LabeledTexts, report_dir: str | Path | None = None,
             batch_size: int = 64, progress: bool = False, overwrite: bool = False) -> dict:
    """Metrics of a model (a folder or a loaded `Classifier`) on labelled texts.

    With `report_dir`, also writes `metrics.json`, the plot of where the model goes wrong
    (`confusion_matrix.png`, or `error_cooccurrence.png` for a multi-label model) and
    `report.md` there (built aside and moved into place when complete); an existing
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
            plot_errors(metrics, stage.path)
            write_report(stage.path, f"Evaluation on {data.name}", metrics, mistakes, data.name,
                         has_curves=False)
    return metrics
