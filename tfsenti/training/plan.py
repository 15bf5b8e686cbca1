"""What a run of this size needs: fine-tuning as for any data, or the small-data plan.

With a few dozen labelled texts per class, fine-tuning on cross-entropy for three epochs takes a
handful of optimizer steps and keeps the epoch that a validation split of a few texts liked best:
near chance on SST-2 with 16 texts per class. Under `--small-data auto` (the default) a run whose
smallest class has at most `SMALL_PER_CLASS` training texts is planned instead as SetFit trains
(Tunstall et al. 2022), in TensorFlow: mean pooling (the default encoder is a sentence-embedding
model, trained for mean-pooled embeddings), a contrastive stage on pairs of training texts
(`tfsenti.training.contrastive`), then a logistic-regression head fitted to convergence on the
embeddings (`tfsenti.training.features.fit_logistic_head`), with no validation data in the loop.
A run that sets an option only fine-tuning reads (`--epochs`, `--lr`, ...: `FINE_TUNING_OPTIONS`)
is fine-tuned as asked, and so are multi-label data, `--long chunks`, `--fixed-length`,
`--mode features` and multi-device strategies; the plan's line says why.

`check_class_sizes` refuses data with fewer than `--min-class-size` (default 8) texts of some
class: no plan learns a class from so few, validation could not hold one of them, and such a
class is most often a stray label (a typo, a single `neutral` row) rather than a class.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tfsenti.config import TrainConfig, flag_of
from tfsenti.data.texts import LabeledTexts
from tfsenti.errors import DataError

VAL_SHARE, VAL_CAP = 0.1, 10_000  # the held-out split without --val-split: 10%, at most this
SMALL_PER_CLASS = 256  # texts in the smallest class, at most, for the small-data plan
# the contrastive stage takes every balanced pair up to MAX_PAIRS (512 steps): SST-2 at 32 texts
# per class scored 0.744 with all 1,682 pairs against 0.720 with 16 per text (3 draws)
MAX_PAIRS = 8192
# options that only fine-tuning reads: a run that sets one asks for fine-tuning
FINE_TUNING_OPTIONS = ("epochs", "batch_size", "lr", "warmup", "weight_decay", "layer_decay", "ema",
                       "label_smoothing", "rdrop", "embedding_updates", "class_weight",
                       "early_stop", "freeze", "dropout")


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """How a run trains: `small_data` (the contrastive stage and a logistic head) or fine-tuning,
    `reason` (one line for the log and report.md) and, for small data, the stage's `max_pairs`."""

    small_data: bool
    reason: str
    max_pairs: int = 0


def validation_share(config: TrainConfig, examples: int) -> float:
    """The share of `examples` training texts to hold out for validation: `--val-split` if
    given, else 10% up to `VAL_CAP` texts, which measure accuracy to within a point (95%) while
    a million-row table's 100,000 would take longer to score than many a training budget.

    Example:
        >>> validation_share(TrainConfig(), 5_000), validation_share(TrainConfig(), 1_000_000)
        (0.1, 0.01)
        >>> validation_share(TrainConfig(val_split=0.2), 1_000_000)
        0.2
    """
    if config.val_split is not None:
        return config.val_split
    return min(VAL_SHARE, VAL_CAP / max(examples, 1))


def class_counts(data: LabeledTexts) -> np.ndarray:
    """Examples per class (for multi-label data: examples carrying each label)."""
    if data.multilabel:
        return data.labels.sum(axis=0)
    return np.bincount(data.labels, minlength=len(data.class_names))


def check_class_sizes(data: LabeledTexts, source: str | None = None,
                      minimum: int = TrainConfig.min_class_size) -> None:
    """Raise `DataError` naming `source` (default: the data's name) and the classes of `data`
    with fewer than `minimum` examples.

    Example:
        >>> data = LabeledTexts(["a"] * 9 + ["b"] * 3, np.array([0] * 9 + [1] * 3), ["neg", "pos"],
        ...                     "few.tsv")
        >>> check_class_sizes(data)
        Traceback (most recent call last):
        tfsenti.errors.DataError: few.tsv: class 'pos' has 3 examples; every class needs at least 8 (--min-class-size lowers the limit)
    """
    refuse_small_classes(dict(zip(data.class_names, class_counts(data).tolist())),
                         source or data.name, minimum)


def refuse_small_classes(counts: dict[str, int], source: str, minimum: int) -> None:
    """Raise `DataError` naming `source` and the classes of `counts` ({class: examples}) with
    fewer than `minimum` examples."""
    few = [f"{name!r} has {count} example{'s' * (count != 1)}"
           for name, count in counts.items() if count < minimum]
    if few:
        raise DataError(f"{source}: class {', class '.join(few)}; every class needs at least "
                        f"{minimum} ({flag_of('min_class_size')} lowers the limit)")


def plan_run(config: TrainConfig, data: LabeledTexts) -> tuple[TrainConfig, RunPlan]:
    """(`config` with `--pooling auto` resolved, the plan) for training on `data`.

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> few = load_dataset(DEMO_DATA / "train").head_per_class(16)
        >>> config, plan = plan_run(TrainConfig(), few)
        >>> config.pooling, plan.small_data, plan.max_pairs
        ('mean', True, 512)
        >>> plan.reason
        'small-data plan: 16 texts in the smallest class (at most 256): a contrastive stage on 512 pairs, then a logistic-regression head on mean-pooled embeddings'
        >>> plan_run(TrainConfig(small_data="off"), few)[1].reason
        'fine-tuning: --small-data off'
    """
    smallest = int(class_counts(data).min())
    why_not = _why_not_small(config, data, smallest)
    if why_not is not None:
        pooling = "pooled" if config.pooling == "auto" else config.pooling
        return dataclasses.replace(config, pooling=pooling), RunPlan(False, f"fine-tuning: {why_not}")
    pairs = min(MAX_PAIRS, _balanced_pairs(data))
    pooling = "mean" if config.pooling == "auto" else config.pooling
    return dataclasses.replace(config, pooling=pooling), RunPlan(
        True, f"small-data plan: {smallest} texts in the smallest class (at most "
        f"{SMALL_PER_CLASS}): a contrastive stage on {pairs} pairs, then a logistic-regression "
        f"head on {pooling}-pooled embeddings", pairs)


def _why_not_small(config: TrainConfig, data: LabeledTexts, smallest: int) -> str | None:
    """Why `data` are fine-tuned as for any size (None: the small-data plan applies)."""
    defaults = TrainConfig()
    given = [name for name in FINE_TUNING_OPTIONS if getattr(config, name) != getattr(defaults, name)]
    reasons = [(config.small_data == "off", "--small-data off"),
               (bool(given), given and f"{flag_of(given[0])} {getattr(config, given[0])} sets "
                "fine-tuning (the small-data plan runs when every fine-tuning option is left at "
                "its default)"),
               (smallest > SMALL_PER_CLASS,
                f"{smallest} texts in the smallest class (the small-data plan takes at most "
                f"{SMALL_PER_CLASS})"),
               (config.mode == "features", "--mode features"),
               (data.multilabel, "multi-label data have no one class to pair texts by"),
               (config.long == "chunks", "--long chunks"),
               (config.fixed_length, "--fixed-length"),
               (config.strategy != "default", f"--strategy {config.strategy}")]
    return next((why for broken, why in reasons if broken), None)


def _balanced_pairs(data: LabeledTexts) -> int:
    """The pairs of a contrastive stage that takes them all: twice the larger of the same-class
    and the different-class pairs."""
    counts = class_counts(data)
    same = int(np.sum(counts * (counts - 1) // 2))
    return 2 * max(same, len(data) * (len(data) - 1) // 2 - same)
