"""The data of a training run (`tfsenti train`), read and checked before any work: training,
validation (given, or held out of training by `plan.validation_share`) and test data, with the
same classes and table options. It needs no TensorFlow, so the CLI checks a run's tables before
TensorFlow loads and a bad table is refused in about a second; folders, which tf_keras reads, get
the checks that need no file read (`check_folders`) before it loads.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tfsenti.config import TrainConfig
from tfsenti.data.loaders import check_folder_options, folder_classes, load_dataset
from tfsenti.data.texts import LabeledTexts
from tfsenti.errors import ConfigError, DataError
from tfsenti.training.plan import (VAL_SHARE, check_class_sizes, refuse_small_classes,
                                   validation_share)

log = logging.getLogger(__name__)


def load_splits(config: TrainConfig, train_path: str | Path, val_path: str | Path | None,
                test_path: str | Path | None) -> dict[str, LabeledTexts]:
    """The run's `train`, `validation` and (if given) `test` data, checked before any work:
    validation is held out of the training data (`validation_share`) when no `val_path` is
    given."""
    table = {"text_column": config.text_column, "label_column": config.label_column,
             "delimiter": config.delimiter, "pair_column": config.pair_column,
             "label_separator": config.label_separator, "encoding": config.encoding,
             "label_names": config.label_names()}
    train_data = load_dataset(train_path, **table)
    check_class_sizes(train_data, str(train_path), config.min_class_size)
    if config.threshold_for is not None and (train_data.multilabel
                                             or len(train_data.class_names) != 2):
        raise ConfigError(f"{{threshold_for}} applies to two classes; {train_path} has "
                          f"{len(train_data.class_names)}"
                          + (" labels (multi-label)" if train_data.multilabel else ""),
                          ["threshold_for"])
    table["multilabel"], classes = train_data.multilabel, train_data.class_names
    if val_path is not None:
        splits = {"train": train_data, "validation": load_dataset(val_path, **table,
                                                                  class_names=classes)}
    else:
        share = validation_share(config, len(train_data))
        if share < VAL_SHARE:
            log.info("validation: %s of the %s training texts (%.1f%%: enough to know its "
                     "accuracy within about a point; --val-split holds out another share)",
                     f"{round(share * len(train_data)):,}", f"{len(train_data):,}", 100 * share)
        splits = dict(zip(("train", "validation"), train_data.split(share, config.seed)))
    if test_path is not None:
        splits["test"] = load_dataset(test_path, **table, class_names=classes)
    return splits


def check_folders(config: TrainConfig, train_path: str | Path, val_path: str | Path | None,
                  test_path: str | Path | None) -> None:
    """Check a run whose training data are a folder without reading a file: every path exists;
    no option that only a table honours (`check_folder_options`); class subfolders with .txt
    files (`folder_classes`), at least `config.min_class_size` files in each training class, no
    validation or test class folder outside training's. Tables among the paths are left to
    `load_splits`.

    Example:
        >>> from tfsenti import DEMO_DATA
        >>> check_folders(TrainConfig(min_class_size=201), DEMO_DATA / "train", None, None)
        Traceback (most recent call last):
        tfsenti.errors.DataError: .../train: class 'neg' has 200 examples, class 'pos' has 200 examples; every class needs at least 201 (--min-class-size lowers the limit)
    """
    paths = [Path(path) for path in (train_path, val_path, test_path) if path is not None]
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise DataError(f"{missing[0]}: no such file or folder")
    if not paths[0].is_dir():
        return
    for path in paths:
        if path.is_dir():
            check_folder_options(path, config.pair_column, config.label_names(),
                                 config.label_separator)
    counts = folder_classes(paths[0])
    refuse_small_classes(counts, str(paths[0]), config.min_class_size)
    for path in paths[1:]:
        if path.is_dir():
            folder_classes(path, list(counts))
