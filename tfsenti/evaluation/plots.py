"""The plots of a model folder and of `tfsenti lr-find`: training curves, the confusion matrix
(or a multi-label model's errors that occur together), the reliability diagram, accuracy by text
length, a binary model's ROC and precision-recall curves, the learning-rate range test.

Figures are built with matplotlib's object API (no pyplot), so nothing changes the process's
backend: they render headless (Agg) when saved and show inline when returned in a notebook.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from tfsenti.evaluation.calibration import reliability_bins

CURVES = "training_curves.png"
CONFUSION = "confusion_matrix.png"
ERRORS = "error_cooccurrence.png"  # a multi-label model's counterpart of the confusion matrix
LR_FIND = "lr_find.png"
RELIABILITY = "reliability.png"
BY_LENGTH = "accuracy_by_length.png"
ROC_PR = "roc_pr.png"


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
    class_names, title = [_drawable(name) for name in class_names], _drawable(title)
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
    suffix = f" ({_drawable(data_name)})" if data_name else ""
    if metrics.get("task") == "multilabel":
        plot_confusion_matrix(metrics["error_cooccurrence"], metrics["class_names"],
                              folder / ERRORS, "Labels wrong on the same texts" + suffix,
                              ("also wrong", "label wrong"))
        return folder / ERRORS
    plot_confusion_matrix(metrics["confusion_matrix"], metrics["class_names"], folder / CONFUSION,
                          "Confusion matrix" + suffix)
    return folder / CONFUSION


def plot_evaluation(folder: Path, metrics: dict, labels: np.ndarray, probabilities: np.ndarray,
                    uncalibrated: np.ndarray | None = None, data_name: str | None = None) -> None:
    """The figures of a report on labelled texts, into `folder`: where the model goes wrong
    (`plot_errors`), the reliability diagram and accuracy by text length."""
    suffix = f" ({_drawable(data_name)})" if data_name else ""
    plot_errors(metrics, folder, data_name)
    plot_reliability(labels, probabilities, uncalibrated, metrics.get("task") == "multilabel",
                     folder / RELIABILITY, "Reliability" + suffix)
    plot_accuracy_by_length(metrics["by_length"], folder / BY_LENGTH,
                            "Accuracy by text length" + suffix)
    if metrics.get("roc_pr"):
        plot_roc_pr(metrics, folder / ROC_PR, suffix)


def plot_roc_pr(metrics: dict, path: Path | None = None, suffix: str = "") -> Figure:
    """A binary model's ROC curve and precision-recall curve (`metrics["roc_pr"]`, of the second
    class), each with its area in the legend; saved as PNG to `path` if given.

    Example:
        >>> from tfsenti.evaluation.binary import binary_curves
        >>> curves = binary_curves(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
        >>> metrics = {"class_names": ["neg", "pos"], "roc_auc": curves.pop("roc_auc"),
        ...            "average_precision": curves.pop("average_precision"), "roc_pr": curves}
        >>> [ax.get_xlabel() for ax in plot_roc_pr(metrics).axes]
        ['False positive rate', 'Recall']
    """
    curves, positive = metrics["roc_pr"], _drawable(metrics["class_names"][1])
    fig = Figure(figsize=(10, 4.5))
    roc, pr = fig.subplots(1, 2)
    roc.plot([0, *curves["roc"]["fpr"]], [0, *curves["roc"]["tpr"]], color="tab:blue",
             label=f"AUC {metrics['roc_auc']:.4f}")
    roc.plot([0, 1], [0, 1], ":", color="gray", label="chance")
    roc.set(xlabel="False positive rate", ylabel="True positive rate",
            title=f"ROC ({positive} positive){suffix}")
    pr.plot(curves["pr"]["recall"], curves["pr"]["precision"], color="tab:blue",
            label=f"average precision {metrics['average_precision']:.4f}")
    pr.set(xlabel="Recall", ylabel="Precision", title=f"Precision-recall{suffix}", ylim=(0, 1.02))
    for ax in (roc, pr):
        ax.legend()
        ax.grid(alpha=0.3)
    return _finish(fig, path)


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


def plot_reliability(labels: np.ndarray, probabilities: np.ndarray,
                     uncalibrated: np.ndarray | None = None, multilabel: bool = False,
                     path: Path | None = None, title: str = "Reliability") -> Figure:
    """The reliability diagram: accuracy against confidence per bin of confidence
    (`reliability_bins`), calibrated and (if given) uncalibrated, beside the diagonal a calibrated
    model follows; below, how many texts fall in each bin. Saved as PNG to `path` if given.

    Example:
        >>> fig = plot_reliability(np.array([0, 1, 0]), np.array([[.9, .1], [.2, .8], [.3, .7]]))
        >>> fig.axes[0].get_ylabel(), fig.axes[1].get_xlabel()
        ('Share of texts right', 'Confidence')
    """
    fig = Figure(figsize=(6, 7))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], ":", color="gray", label="calibrated")
    curves = [(uncalibrated, "before calibration", "tab:red"), (probabilities, "", "tab:blue")]
    for probs, label, color in curves:
        if probs is None:
            continue
        bins = reliability_bins(labels, probs, multilabel)
        filled = bins["count"] > 0
        top.plot(bins["confidence"][filled], bins["accuracy"][filled], "o-", color=color,
                 label=label or ("calibrated by temperature" if uncalibrated is not None
                                 else "model"))
        edges = np.linspace(0, 1, len(bins["count"]) + 1)
        bottom.stairs(bins["count"], edges, color=color, fill=label == "", alpha=0.5)
    top.set_ylabel("Share of texts right" if not multilabel else "Share carrying the label")
    top.set_title(title)
    top.legend()
    top.grid(alpha=0.3)
    bottom.set_xlabel("Confidence")
    bottom.set_ylabel("Texts")
    bottom.set_yscale("symlog")
    return _finish(fig, path)


def plot_accuracy_by_length(by_length: list[dict], path: Path | None = None,
                            title: str = "Accuracy by text length") -> Figure:
    """Bars of accuracy per quarter of the texts by length (`metrics["by_length"]`), each
    labelled with its range of words and its number of texts; saved as PNG to `path` if given.

    Example:
        >>> fig = plot_accuracy_by_length([{"words": [3, 9], "examples": 5, "accuracy": 0.8},
        ...                                {"words": [10, 40], "examples": 5, "accuracy": 0.6}])
        >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
        ['3-9 words', '10-40 words']
    """
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    names = [f"{g['words'][0]}-{g['words'][1]} words" for g in by_length]
    bars = ax.bar(names, [g["accuracy"] for g in by_length], color="tab:blue")
    ax.bar_label(bars, [f"{g['accuracy']:.3f}\n({g['examples']} texts)" for g in by_length],
                 label_type="center", color="white")
    ax.set_ylim(0, 1)
    ax.set_ylabel("Accuracy")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    return _finish(fig, path)


def _finish(fig: Figure, path: Path | None) -> Figure:
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def _drawable(text: str) -> str:
    """`text` with `?` for each character the font cannot draw (Chinese or Japanese class or
    folder names with matplotlib's DejaVu Sans), which matplotlib would draw as an empty box with
    a warning for each; report.md names them in full.

    Example:
        >>> _drawable("Confusion matrix (影评, négatif)")
        'Confusion matrix (??, négatif)'
    """
    if text.isascii():
        return text
    glyphs = _glyphs(font_manager.findfont(font_manager.FontProperties()))
    return "".join(c if c.isspace() or ord(c) in glyphs else "?" for c in text)


@functools.lru_cache(maxsize=4)
def _glyphs(font_file: str) -> frozenset[int]:
    return frozenset(FT2Font(font_file).get_charmap())
