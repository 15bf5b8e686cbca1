"""The accuracy guard of lossy exports (TFLite `--quantize`, SavedModel `--precision bfloat16`):
the export and its source model score the same labelled texts, and an export that loses more
than `max_drop` accuracy points is not written."""

from __future__ import annotations

import numpy as np

from tfsenti.data.texts import LabeledTexts
from tfsenti.errors import AccuracyDropError
from tfsenti.inference.predictor import Classifier


def accuracy_check(model: Classifier, exported: Classifier, data: LabeledTexts,
                   max_drop: float, progress: bool = False) -> dict:
    """Accuracy of a model and of its export on the same labelled texts, the drop in points
    (100 x the accuracy difference), and whether it is within `max_drop`.

    Example:
        >>> from tfsenti import load
        >>> from tfsenti.data.loaders import load_dataset
        >>> from tfsenti.demo import DEMO_DATA
        >>> model = load("saved_models/demo")
        >>> check = accuracy_check(model, model, load_dataset(DEMO_DATA / "test"), 0.5)
        >>> check["drop_points"], check["passed"]
        (0.0, True)
    """
    accuracy = {}
    for name, classifier in (("model", model), ("export", exported)):
        predicted = classifier.predict(data.texts, progress=progress).label_ids
        accuracy[name] = float(np.mean(predicted == data.labels))
    drop = 100 * (accuracy["model"] - accuracy["export"])
    return {"data": data.name, "texts": len(data.texts), "accuracy_model": accuracy["model"],
            "accuracy_export": accuracy["export"], "drop_points": round(drop, 4),
            "max_drop_points": max_drop, "passed": drop <= max_drop}


def guarded_check(out, model: Classifier, exported: Classifier, data: LabeledTexts,
                  max_drop: float, setting: str, progress: bool = False) -> dict:
    """`accuracy_check`, raising `AccuracyDropError` (naming `out`, the figures and the export
    `setting`, e.g. `--quantize dynamic`) when the export loses more than `max_drop` points."""
    check = accuracy_check(model, exported, data, max_drop, progress)
    if not check["passed"]:
        raise AccuracyDropError(
            f"{out}: not written: accuracy on {data.name} drops {check['drop_points']:.2f} points "
            f"({check['accuracy_model']:.4f} -> {check['accuracy_export']:.4f}) with {setting}, "
            f"more than --max-drop {max_drop:g}")
    return check
