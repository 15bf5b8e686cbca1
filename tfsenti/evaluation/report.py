"""Plots (training curves, confusion matrix, learning-rate range test) and the one-page `report.md` of a model folder.

Figures are built with matplotlib's object API (no pyplot), so nothing changes the process's
backend: they render headless (Agg) when saved and show inline when returned in a notebook.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tfsenti.evaluation.metrics import interval_note

CURVES = "training_curves.png"
CONFUSION = "confusion_matrix.png"
ERRORS = "error_cooccurrence.png"  # a multi-label model's counterpart of the confusion matrix
LR_FIND = "lr_find.png"


def plot_training_curves(history: dict, path: Path | None = None) -> Figure:
    """Loss and accuracy per epoch, training vs validation, in two panels (as in the TF tutorial);
    saved as PNG to `path` if given.

    Example:
        >>> fig = plot_training_curves({"loss": [0.6, 0.3], "accuracy": [0.7, 0.9]})
        >>> [ax.get_title() for ax in fig.axes]
        ['Training and validation loss', 'Training and validation accuracy']
    """
    epochs = range(1, len(history["loss"]) + 1)
    fig = Figure(figsize=(8, 7))
    axes = fig.subplots(2, 1, sharex=True)
    for ax, key, title in ((axes[0], "loss", "Training and validation loss"),
                           (axes[1], "accuracy", "Training and validation accuracy")):
        ax.plot(epochs, history[key], "o-", color="tab:blue", label=f"Training {key}")
        if f"val_{key}" in history:
            averaged = f"last_val_{key}" in history  # --ema: validation scored the weight average
            ax.plot(epochs, history[f"val_{key}"], "s-", color="tab:red",
                    label=f"Validation {key}" + (" (weight average)" if averaged else ""))
        if f"last_val_{key}" in history:
            ax.plot(epochs, history[f"last_val_{key}"], "s--", color="tab:orange",
                    label=f"Validation {key} (last weights)")
        if history.get("best_epoch") is not None:
            ax.axvline(history["best_epoch"], color="gray", linestyle=":", label="kept epoch")
        ax.set_title(title)
        ax.set_ylabel(key.capitalize())
        ax.legend()
        ax.grid(alpha=0.3)
    axes[1].set_xlabel("Epoch")
    axes[1].set_xticks(list(epochs))
    return _finish(fig, path)


def plot_confusion_matrix(matrix: list[list[int]], class_names: list[str], path: Path | None = None,
                          title: str = "Confusion matrix",
                          axis_labels: tuple[str, str] = ("Predicted", "True")) -> Figure:
    """Counts with true classes as rows and predicted classes as columns (or any count matrix
    over the classes, with its own `axis_labels`: columns, rows); saved as PNG to `path` if
    given.

    Example:
        >>> fig = plot_confusion_matrix([[5, 1], [0, 4]], ["neg", "pos"])
        >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
        ('Predicted', 'True')
    """
    size = max(4.0, 1.0 + 0.8 * len(class_names))
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    top = max(max(row) for row in matrix) if matrix else 0
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            ax.text(j, i, str(count), ha="center", va="center",
                    color="white" if count > top / 2 else "black")
    ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    ax.set_yticks(range(len(class_names)), class_names)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    # A shorter bar keeps clear of the title; counts are whole numbers, so are its ticks.
    colorbar = fig.colorbar(image, ax=ax, fraction=0.046, shrink=0.8)
    colorbar.locator = MaxNLocator(integer=True)
    colorbar.update_ticks()
    return _finish(fig, path)


def plot_errors(metrics: dict, folder: Path, data_name: str | None = None) -> Path:
    """Where a model goes wrong, as `folder/confusion_matrix.png` (single-label metrics) or
    `folder/error_cooccurrence.png` (multi-label: texts on which two labels were both wrong);
    returns the file.

    Example:
        >>> import tempfile
        >>> from tfsenti import compute_metrics
        >>> plot_errors(compute_metrics([0, 1], [[.9, .1], [.2, .8]], ["neg", "pos"]),
        ...             Path(tempfile.mkdtemp())).name
        'confusion_matrix.png'
    """
    suffix = f" ({data_name})" if data_name else ""
    if metrics.get("task") == "multilabel":
        plot_confusion_matrix(metrics["error_cooccurrence"], metrics["class_names"],
                              folder / ERRORS, "Labels wrong on the same texts" + suffix,
                              ("also wrong", "label wrong"))
        return folder / ERRORS
    plot_confusion_matrix(metrics["confusion_matrix"], metrics["class_names"], folder / CONFUSION,
                          "Confusion matrix" + suffix)
    return folder / CONFUSION


def plot_lr_find(lrs: list[float], losses: list[float], smoothed: list[float],
                 suggested_lr: float, path: Path | None = None) -> Figure:
    """Batch loss vs learning rate (log scale) of `tfsenti lr-find`, raw and smoothed, with the
    suggested rate marked; saved as PNG to `path` if given.

    Example:
        >>> fig = plot_lr_find([1e-6, 1e-5, 1e-4], [0.7, 0.6, 0.9], [0.7, 0.65, 0.7], 1e-6)
        >>> fig.axes[0].get_xscale(), fig.axes[0].get_xlabel()
        ('log', 'Learning rate')
    """
    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    ax.plot(lrs, losses, color="tab:blue", alpha=0.3, label="batch loss")
    ax.plot(lrs, smoothed, color="tab:blue", label="smoothed")
    ax.axvline(suggested_lr, color="tab:red", linestyle="--", label=f"suggested {suggested_lr:.1e}")
    ax.set_xscale("log")
    ax.set_xlabel("Learning rate")
    ax.set_ylabel("Loss")
    ax.set_title("Learning-rate range test")
    ax.legend()
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def _finish(fig: Figure, path: Path | None) -> Figure:
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


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


def write_report(folder: Path, title: str, metrics: dict, mistakes: list[dict],
                 eval_name: str, has_curves: bool, plan: str | None = None) -> Path:
    """`report.md`: how the model was trained (`plan`, a line), the metrics table, the plots, and
    the most confident mistakes."""
    parts = [f"# {title}", ""] + ([f"Training plan: {plan}.", ""] if plan else [])
    parts += [f"## Metrics on {eval_name}", "", metrics_table(metrics), ""]
    if "overlap_with_train" in metrics:
        overlap = metrics["overlap_with_train"]
        parts += [f"Texts also seen in training (lower case, spaces collapsed): "
                  f"{overlap['identical']} identical, {overlap['inside_a_training_text']} inside a "
                  f"training text, {overlap['containing_a_training_text']} containing one "
                  "(5+ words).", ""]
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
    else:
        parts += ["## Mistakes", "", "None: every example was classified correctly."]
    path = folder / "report.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
