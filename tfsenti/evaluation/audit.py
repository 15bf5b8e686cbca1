"""`audit`: the texts of a labelled data set whose given label looks wrong (`tfsenti audit`).

The data are cut into k stratified folds. For each fold a model is trained as `tfsenti train`
trains (the run's options, its validation split taken from the other folds) and predicts the
held-out fold, with probabilities calibrated by the temperature fitted on that validation split.
So every text gets probabilities from a model that never saw it, and
`label_issues.find_label_issues` (confident learning) flags the texts whose given label those
probabilities doubt (multi-label data: `find_multilabel_issues`, label by label).
`write_label_issues` writes them, most doubtful first, as `label_issues.csv`. `--time-budget` bounds the whole audit: each fold gets an equal share of
what is left when it starts.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import math
import time
from pathlib import Path

import numpy as np
import tf_keras as keras

from tfsenti._staging import whole_file
from tfsenti.config import TrainConfig
from tfsenti.data.loaders import load_dataset
from tfsenti.data.texts import LabeledTexts
from tfsenti.encoders.catalog import EncoderHandles, resolve_encoder
from tfsenti.errors import ConfigError
from tfsenti.evaluation.calibration import fit_temperature
from tfsenti.evaluation.label_issues import (LabelIssues, find_label_issues,
                                             find_multilabel_issues)
from tfsenti.inference.predictor import Classifier
from tfsenti.inference.signature import class_probabilities
from tfsenti.training.loop import train
from tfsenti.training.plan import check_class_sizes, validation_share
from tfsenti.training.resume_record import run_precision

log = logging.getLogger(__name__)


@dataclasses.dataclass
class AuditResult:
    """The audited `data`, every text's out-of-fold `probabilities` [N, C], the `issues` found
    in them, and the audit's `seconds`."""

    data: LabeledTexts
    probabilities: np.ndarray
    issues: LabelIssues
    seconds: float

    @property
    def accuracy(self) -> float:
        """How often the out-of-fold models agree with the given labels (multi-label data: with
        each given label, deciding at 0.5)."""
        if self.data.multilabel:
            return float(np.mean((self.probabilities >= 0.5) == self.data.labels))
        return float(np.mean(self.probabilities.argmax(axis=1) == self.data.labels))

    def rows(self) -> list[dict[str, str]]:
        """One dict per flagged text, most doubtful first: `source`, `text` (and `text_pair`),
        `given`, `suggested` (multi-label data: the names joined by `|`), `confidence` (the
        suggested label's probability), `p_<class>`."""
        data, names = self.data, self.data.class_names

        def named(label) -> str:
            if data.multilabel:
                return "|".join(name for name, on in zip(names, label) if on)
            return names[label]

        rows = []
        for index, suggested, confidence in zip(self.issues.indices, self.issues.suggested,
                                                self.issues.confidence):
            row = {"source": data.source(index) or f"example {index + 1}",
                   "text": data.texts[index]}
            if data.pairs is not None:
                row["text_pair"] = data.pairs[index]
            row.update(given=named(data.labels[index]), suggested=named(suggested),
                       confidence=f"{confidence:.4f}")
            row.update({f"p_{name}": f"{p:.4f}" for name, p in zip(names, self.probabilities[index])})
            rows.append(row)
        return rows


def audit(config: TrainConfig, data: LabeledTexts | str | Path, folds: int = 4,
          verbose: int = 0) -> AuditResult:
    """Train on `folds` folds of the labelled `data` (or the data at a path, as `load_dataset`
    reads it with `config`'s table options) and find the texts whose given label the
    out-of-fold probabilities doubt.

    Example:
        >>> from tfsenti import DEMO_DATA, load_dataset
        >>> data = load_dataset(DEMO_DATA / "test").head_per_class(24)
        >>> result = audit(TrainConfig(mode="features", seq_len=32), data, folds=2)
        >>> result.probabilities.shape, np.allclose(result.probabilities.sum(axis=1), 1)
        ((48, 2), True)
        >>> len(result.rows()) == len(result.issues) < 48
        True
    """
    start = time.monotonic()
    if folds < 2:
        raise ConfigError(f"--folds must be at least 2 (got {folds})")
    source = data.name if isinstance(data, LabeledTexts) else str(data)
    if not isinstance(data, LabeledTexts):
        data = load_dataset(data, config.text_column, config.label_column, None,
                            config.delimiter, config.pair_column, config.label_separator,
                            encoding=config.encoding, label_names=config.label_names())
    check_foldable(data, folds, config, source)
    config = run_precision(config.validate(), None)
    encoder = resolve_encoder(config.encoder, config.preprocess, config.precision)
    probabilities = out_of_fold_probabilities(config, data, folds, encoder, verbose, start)
    find = find_multilabel_issues if data.multilabel else find_label_issues
    return AuditResult(data, probabilities, find(data.labels, probabilities),
                       round(time.monotonic() - start, 1))


def check_foldable(data: LabeledTexts, folds: int, config: TrainConfig, source: str) -> None:
    """Refuse, in one line naming `source`, classes too small to leave every fold's training
    part `config.min_class_size` texts after its validation split."""
    share = (folds - 1) / folds * (1 - validation_share(config, len(data)))
    check_class_sizes(data, source, math.ceil(config.min_class_size / share) + 1)


def fold_ids(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Each example's fold (0 .. folds - 1): every class (for multi-label data [N, C], every set
    of labels) dealt round the folds in a seeded random order, so each fold holds about 1/folds
    of each.

    Example:
        >>> np.bincount(fold_ids(np.array([0] * 8 + [1] * 4), 4, seed=0)).tolist()
        [3, 3, 3, 3]
        >>> np.bincount(fold_ids(np.array([[1, 0], [0, 1], [1, 1]] * 4), 2, seed=0)).tolist()
        [6, 6]
    """
    if labels.ndim == 2:
        labels = np.unique(labels, axis=0, return_inverse=True)[1].reshape(-1)
    rng, ids = np.random.default_rng(seed), np.zeros(len(labels), dtype=np.int64)
    dealt = 0
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        ids[members] = (dealt + np.arange(len(members))) % folds
        dealt += len(members)
    return ids


def out_of_fold_probabilities(config: TrainConfig, data: LabeledTexts, folds: int,
                              encoder: EncoderHandles, verbose: int = 0,
                              start: float | None = None) -> np.ndarray:
    """[N, C] calibrated probabilities of every text of `data` from the model trained on the
    other folds; `config.time_budget` minutes, counted from `start`, are shared out among the
    folds still to train."""
    start = time.monotonic() if start is None else start
    fold, classes = fold_ids(data.labels, folds, config.seed), len(data.class_names)
    multilabel = data.multilabel
    probabilities = np.zeros((len(data), classes), np.float32)
    for k in range(folds):
        held_out = data.subset(fold == k, f"fold {k + 1}")
        part = data.subset(fold != k, f"not fold {k + 1}")
        inner_train, inner_val = part.split(validation_share(config, len(part)), config.seed)
        log.info("fold %d of %d: training on %d texts, predicting the %d held out", k + 1, folds,
                 len(inner_train) + len(inner_val), len(held_out))
        fold_config = config
        if config.time_budget is not None:
            left = config.time_budget - (time.monotonic() - start) / 60
            fold_config = dataclasses.replace(config, time_budget=max(left / (folds - k), 0.05))
        model, _ = train(fold_config, inner_train, inner_val, verbose=verbose, encoder=encoder)
        scorer = Classifier.from_model(model, data.class_names,
                                       [0.5] * classes if multilabel else None, with_logits=True)
        temperature = None
        if config.calibrate == "temperature":
            logits = scorer.predict(inner_val.texts, pairs=inner_val.pairs).logits
            temperature = fit_temperature(logits, inner_val.labels, multilabel)
        logits = scorer.predict(held_out.texts, pairs=held_out.pairs).logits
        probabilities[fold == k] = class_probabilities(logits, classes, multilabel,
                                                       temperature).numpy()
        del model, scorer
        keras.backend.clear_session()  # the next fold's model starts from a clean graph
    return probabilities


def write_label_issues(result: AuditResult, path: str | Path) -> Path:
    """Write `result.rows()` to the CSV file `path`, whole or not at all (a header line even
    when nothing is flagged)."""
    names = result.data.class_names
    header = ["source", "text", *(["text_pair"] if result.data.pairs is not None else []),
              "given", "suggested", "confidence", *(f"p_{name}" for name in names)]
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, header)
    writer.writeheader()
    writer.writerows(result.rows())
    with whole_file(Path(path)) as f:
        f.write(table.getvalue().encode("utf-8"))
    return Path(path)
