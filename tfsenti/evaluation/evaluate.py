"""`evaluate`: a model's metrics on labelled texts, and optionally a report folder.

The model predicts every text (`tfsenti.inference.predictor`), `metrics` scores the predictions,
and `report` draws the confusion matrix and writes `report.md` with the most confident mistakes.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from tfsenti._staging import StagedFolder
from tfsenti.data.texts import LabeledTexts
from tfsenti.evaluation.metrics import compute_metrics, confident_mistakes
from tfsenti.evaluation.report import CONFUSION, plot_confusion_matrix, write_report
from tfsenti.inference.predictor import Classifier, load


def evaluate(model: str | Path | Classifier, data: LabeledTexts, report_dir: str | Path | None = None,
             batch_size: int = 64, progress: bool = False, overwrite: bool = False) -> dict:
    """Metrics of a model (a folder or a loaded `Classifier`) on labelled texts.

    With `report_dir`, also writes `metrics.json`, `confusion_matrix.png` and `report.md` there
    (built aside and moved into place when complete); an existing `report_dir` is an error before
    any work, unless `overwrite`. `progress` draws a progress bar on stderr (on a terminal).

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
        metrics = compute_metrics(data.labels, predictions.probabilities, classifier.class_names)
        if stage is not None:
            (stage.path / "metrics.json").write_text(json.dumps(metrics, indent=2))
            plot_confusion_matrix(metrics["confusion_matrix"], classifier.class_names,
                                  stage.path / CONFUSION)
            mistakes = confident_mistakes(data.shown_texts(), data.labels, predictions.probabilities,
                                          classifier.class_names)
            write_report(stage.path, f"Evaluation on {data.name}", metrics, mistakes, data.name,
                         has_curves=False)
    return metrics
