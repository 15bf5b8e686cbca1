"""`report.md`: the one-page report of a model folder or an evaluation: the metrics table,
accuracy by text length, calibration, the plots (`tfsenti.evaluation.plots`), the most
confident mistakes and a link to every prediction (`predictions.csv`).
"""

from __future__ import annotations

from pathlib import Path

from tfsenti.evaluation.metrics import interval_note
from tfsenti.evaluation.plots import (BY_LENGTH, CONFUSION, CURVES, ROC_PR, ERRORS,
                                      RELIABILITY)
from tfsenti.evaluation.predictions_table import PREDICTIONS


def metrics_table(metrics: dict) -> str:
    """Markdown table: one row per class, then the macro average; accuracy and MCC above it. For
    multi-label metrics: one row per label with its threshold, then the micro and macro
    averages; subset accuracy, Hamming loss and micro-F1 above it.

    Example:
        >>> from tfsenti import compute_metrics
        >>> table = metrics_table(compute_metrics([0, 1], [[0.9, 0.1], [0.2, 0.8]], ["neg", "pos"]))
        >>> table.splitlines()[0], table.splitlines()[-1]
        ('Accuracy **1.0000** (95% interval 0.342-1.000) · MCC **1.0000** · 2 examples', '| **macro** | 1.0000 | 1.0000 | 1.0000 | 2 |')
    """
    multilabel = metrics.get("task") == "multilabel"
    if multilabel:
        lines = [f"Subset accuracy (every label right) **{metrics['accuracy']:.4f}**"
                 f"{interval_note(metrics)} · "
                 f"Hamming loss **{metrics['hamming_loss']:.4f}** · micro-F1 "
                 f"**{metrics['micro']['f1']:.4f}** · {metrics['examples']} examples", "",
                 "| label | threshold | precision | recall | F1 | support |",
                 "|---|---:|---:|---:|---:|---:|"]
    else:
        lines = [f"Accuracy **{metrics['accuracy']:.4f}**{interval_note(metrics)} · "
                 f"MCC **{metrics['mcc']:.4f}** · "
                 f"{metrics['examples']} examples", "",
                 "| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for name, m in metrics["per_class"].items():
        threshold = f" {m['threshold']:.2f} |" if multilabel else ""
        lines.append(f"| {name} |{threshold} {m['precision']:.4f} | {m['recall']:.4f} | "
                     f"{m['f1']:.4f} | {m['support']} |")
    support = (sum(m["support"] for m in metrics["per_class"].values()) if multilabel
               else metrics["examples"])
    for average in ("micro", "macro") if multilabel else ("macro",):
        m = metrics[average]
        lines.append(f"| **{average}** |{' |' if multilabel else ''} {m['precision']:.4f} | "
                     f"{m['recall']:.4f} | {m['f1']:.4f} | {support} |")
    return "\n".join(lines)


def cooccurrence_table(metrics: dict) -> str:
    """Markdown table of a multi-label evaluation's `error_cooccurrence`: row label wrong, column
    label wrong on the same texts (the diagonal: the row label's own errors).

    Example:
        >>> print(cooccurrence_table({"class_names": ["joy", "awe"],
        ...                           "error_cooccurrence": [[3, 1], [1, 2]]}))
        | label wrong | joy | awe |
        |---|---:|---:|
        | joy | 3 | 1 |
        | awe | 1 | 2 |
    """
    names = metrics["class_names"]
    lines = ["| label wrong | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines += [f"| {name} | " + " | ".join(str(c) for c in row) + " |"
              for name, row in zip(names, metrics["error_cooccurrence"])]
    return "\n".join(lines)


def temperature_text(temperature: float | list[float] | None) -> str:
    """How reports name a model's temperature.

    Example:
        >>> temperature_text(1.5), temperature_text([1.5, 0.75]), temperature_text(None)
        ('temperature 1.50', 'temperatures 1.50, 0.75 (one per label)', 'not calibrated')
    """
    if temperature is None:
        return "not calibrated"
    if isinstance(temperature, (int, float)):
        return f"temperature {temperature:.2f}"
    return "temperatures " + ", ".join(f"{t:.2f}" for t in temperature) + " (one per label)"


def calibration_table(calibration: dict) -> str:
    """What `report.md` says of calibration: the temperature, then the expected calibration
    error and Brier score of the served probabilities (and of the uncalibrated ones, if known).

    Example:
        >>> print(calibration_table({"temperature": 1.5, "ece": 0.012, "brier": 0.14,
        ...                          "ece_before": 0.05, "brier_before": 0.15}))
        Probabilities are of the logits divided by the temperature 1.50, fitted on the training run's validation data.
        <BLANKLINE>
        | probabilities | expected calibration error (15 bins) | Brier score |
        |---|---:|---:|
        | before calibration | 0.0500 | 0.1500 |
        | served | 0.0120 | 0.1400 |
    """
    temperature = calibration.get("temperature")
    if temperature is None:
        lines = ["Probabilities are as trained (not calibrated: `--calibrate none`)."]
    else:
        lines = [f"Probabilities are of the logits divided by the {temperature_text(temperature)},"
                 " fitted on the training run's validation data."]
    lines += ["", "| probabilities | expected calibration error (15 bins) | Brier score |",
              "|---|---:|---:|"]
    if "ece_before" in calibration:
        lines.append(f"| before calibration | {calibration['ece_before']:.4f} | "
                     f"{calibration['brier_before']:.4f} |")
    lines.append(f"| served | {calibration['ece']:.4f} | {calibration['brier']:.4f} |")
    return "\n".join(lines)


def overlap_line(overlap: dict[str, int]) -> str:
    """The report's line on held-out texts also seen in training (`metrics["overlap_with_train"]`).

    Example:
        >>> overlap_line({"identical": 2, "inside_a_training_text": 0,
        ...               "containing_a_training_text": 1, "train_texts_checked": 100000})[-70:]
        'containing one (5+ words), of a random 100,000 training texts checked.'
    """
    sampled = overlap.get("train_texts_checked")
    return (f"Texts also seen in training (lower case, spaces collapsed): {overlap['identical']} "
            f"identical, {overlap['inside_a_training_text']} inside a training text, "
            f"{overlap['containing_a_training_text']} containing one (5+ words)"
            + (f", of a random {sampled:,} training texts checked" if sampled else "") + ".")


def write_report(folder: Path, title: str, metrics: dict, mistakes: list[dict],
                 eval_name: str, has_curves: bool, plan: str | None = None) -> Path:
    """`report.md`: how the model was trained (`plan`, a line), the metrics table, the plots, and
    the most confident mistakes."""
    parts = [f"# {title}", ""] + ([f"Training plan: {plan}.", ""] if plan else [])
    parts += [f"## Metrics on {eval_name}", "", metrics_table(metrics), ""]
    if "overlap_with_train" in metrics:
        parts += [overlap_line(metrics["overlap_with_train"]), ""]
    if metrics.get("roc_pr"):
        negative, positive = metrics["class_names"]
        parts += [f"ROC AUC **{metrics['roc_auc']:.4f}** · average precision "
                  f"**{metrics['average_precision']:.4f}** ({positive} as the positive class)",
                  ""]
        if metrics.get("decision_threshold") is not None:
            parts += [f"The model predicts {positive} where its probability is at or above "
                      f"**{metrics['decision_threshold']:.4f}** (chosen on validation by "
                      f"`--threshold-for`), else {negative}.", ""]
        parts += [f"![ROC and precision-recall]({ROC_PR})", ""]
    if metrics.get("by_length"):
        parts += ["## Accuracy by text length", "", "| words | texts | accuracy |",
                  "|---|---:|---:|"]
        parts += [f"| {g['words'][0]}-{g['words'][1]} | {g['examples']} | {g['accuracy']:.4f} |"
                  for g in metrics["by_length"]]
        parts += ["", f"![accuracy by length]({BY_LENGTH})", ""]
    if "calibration" in metrics:
        parts += ["## Calibration", "", calibration_table(metrics["calibration"]), "",
                  f"![reliability diagram]({RELIABILITY})", ""]
    if has_curves:
        parts += ["## Training curves", "", f"![training curves]({CURVES})", ""]
    if metrics.get("task") == "multilabel":
        parts += ["## Labels wrong on the same texts", "",
                  "Each row counts the texts on which that label was decided wrongly, by which "
                  "other labels were wrong on them too (the diagonal: all of its errors).", "",
                  cooccurrence_table(metrics), "", f"![errors]({ERRORS})", ""]
    else:
        parts += ["## Confusion matrix", "", f"![confusion matrix]({CONFUSION})", ""]
    if mistakes:
        parts += [f"## The {len(mistakes)} most confident mistakes", "",
                  "| confidence | true | predicted | text |", "|---:|---|---|---|"]
        for m in mistakes:
            text = m["text"].replace("|", "\\|").replace("\n", " ")
            text = text if len(text) <= 300 else text[:297] + "..."
            parts.append(f"| {m['confidence']:.3f} | {m['true']} | {m['predicted']} | {text} |")
        explained = [m for m in mistakes if "why" in m]
        if explained:
            parts += ["", f"Why the model decided, for the {len(explained)} most confident "
                      "(integrated gradients; `tfsenti explain` shows every word):", ""]
            parts += [f"{i}. {m['why']}" for i, m in enumerate(explained, start=1)]
    else:
        parts += ["## Mistakes", "", "None: every example was classified correctly."]
    parts += ["", f"Every text with its label, prediction and probabilities: [{PREDICTIONS}]"
              f"({PREDICTIONS})."]
    path = folder / "report.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
