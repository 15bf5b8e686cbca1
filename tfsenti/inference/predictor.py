"""Predicting with a trained classifier: `Classifier`, `load`, `predict`.

A `Classifier` wraps the exported `serving_default` function, whether it comes from a model in
memory right after training or from a model folder on disk, so both predict the same. Texts are
batched by length, so mixed-length inputs cost little padding, and come back in input order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer ops before a SavedModel loads)

from tfsenti.errors import ConfigError, TfsentiError
from tfsenti.inference.model_folder import (model_folder, saved_class_names,
                                            saved_decision_threshold, saved_temperature,
                                            saved_thresholds)
from tfsenti.inference.signature import Temperature, serving_function, takes_pairs
from tfsenti.progress import Progress


@dataclasses.dataclass
class Predictions:
    """Outputs for N texts: probabilities [N, C], label ids [N] and label names [N]; for a
    multi-label model, label ids are the 0/1 decisions [N, C] and labels one list of names per
    text. `logits` [N, 1 or C] when the serving function gives them (`with_logits`)."""

    probabilities: np.ndarray
    label_ids: np.ndarray
    labels: list[str] | list[list[str]]
    logits: np.ndarray | None = None

    def records(self, texts: list[str], class_names: list[str],
                pairs: list[str] | None = None) -> list[dict]:
        """One JSON-ready dict per text: text (and text_pair), label (`labels`, a list, for a
        multi-label model), probabilities by class name."""
        inputs = ([{"text": t} for t in texts] if pairs is None else
                  [{"text": t, "text_pair": p} for t, p in zip(texts, pairs)])
        key = "labels" if self.label_ids.ndim == 2 else "label"
        return [{**given, key: label,
                 "probabilities": {c: round(float(p), 6) for c, p in zip(class_names, probs)}}
                for given, label, probs in zip(inputs, self.labels, self.probabilities)]


ARRAY_OUTPUTS = ("probabilities", "above_threshold", "label_id", "logits")  # of `serve`, kept


class Classifier:
    """A trained text classifier: raw strings in, probabilities and labels out.

    Built from an in-memory model right after training, or by `load(folder)`; both use the very
    function that is exported, so their predictions agree.

    Example:
        >>> clf = load("saved_models/demo")
        >>> predictions = clf.predict(["What a wonderful film!", "Dull."])
        >>> predictions.probabilities.shape, len(predictions.labels), clf.class_names
        ((2, 2), 2, ['neg', 'pos'])
    """

    def __init__(self, serve, class_names: list[str], owner=None, takes_pairs: bool = False,
                 thresholds: list[float] | None = None, temperature: Temperature = None,
                 decision_threshold: float | None = None):
        self.serve = serve
        self.class_names = list(class_names)
        self.owner = owner  # a loaded SavedModel whose variables `serve` uses: kept alive here
        self.takes_pairs = takes_pairs  # `serve` takes `text` and `text_pair`
        self.thresholds = thresholds  # per label, for a multi-label model
        self.temperature = temperature  # that `serve` divides the logits by (calibration)
        self.decision_threshold = decision_threshold  # on the second class, for a binary model

    @property
    def multilabel(self) -> bool:
        """Whether each text gets any number of labels (those at or above their threshold)."""
        return self.thresholds is not None

    @classmethod
    def from_model(cls, model, class_names: list[str], thresholds: list[float] | None = None,
                   temperature: Temperature = None, decision_threshold: float | None = None,
                   with_logits: bool = False) -> "Classifier":
        """The classifier of an in-memory string model (from `train`), before any export; a
        multi-label model needs its per-label `thresholds`; `temperature` calibrates the
        probabilities; `decision_threshold` is a binary model's cut on its second class;
        `with_logits` makes its predictions carry the model's logits.

        Example:
            >>> from tfsenti import TrainConfig, build_classifier
            >>> model = build_classifier(TrainConfig(), 2)  # usually trained: train(...)[0]
            >>> Classifier.from_model(model, ["neg", "pos"]).predict(["Great!"]).probabilities.shape
            (1, 2)
        """
        return cls(serving_function(model, class_names, thresholds, temperature,
                                    decision_threshold, with_logits),
                   class_names, takes_pairs=takes_pairs(model), thresholds=thresholds,
                   temperature=temperature, decision_threshold=decision_threshold)

    def predict(self, texts: list[str], batch_size: int = 64, progress: bool = False,
                pairs: list[str] | None = None) -> Predictions:
        """Predictions in input order. Texts are batched by length (the model pads each batch
        only to its longest text); `progress` draws a progress bar on stderr (on a terminal).
        A model of text pairs needs `pairs`, one second text per text.

        Example:
            >>> clf = load("saved_models/demo")
            >>> clf.takes_pairs, clf.predict(["A joy.", "A bore."]).label_ids.shape
            (False, (2,))
        """
        if batch_size < 1:
            raise ConfigError(f"batch size must be at least 1 (got {batch_size})")
        if self.takes_pairs != (pairs is not None):
            raise ConfigError("the model takes text pairs: give each text its pair" if
                              self.takes_pairs else "the model takes single texts, not pairs")
        if pairs is not None and len(pairs) != len(texts):
            raise ConfigError(f"{len(texts)} texts but {len(pairs)} pairs")
        sizes = [len(t) for t in texts] if pairs is None else [
            len(t) + len(p) for t, p in zip(texts, pairs)]
        order = np.argsort(sizes, kind="stable")
        out: dict[str, np.ndarray] = {}  # output name -> [N, ...], in input order
        with Progress(len(texts), "predicting", enabled=progress) as bar:
            for start in range(0, len(texts), batch_size):
                rows = order[start:start + batch_size]
                batch = {"text": tf.constant([texts[i] for i in rows], dtype=tf.string)}
                if pairs is not None:
                    batch["text_pair"] = tf.constant([pairs[i] for i in rows], dtype=tf.string)
                for name, value in self.serve(**batch).items():
                    if name in ARRAY_OUTPUTS:
                        value = np.asarray(value)
                        out.setdefault(name, np.zeros((len(texts), *value.shape[1:]), value.dtype))
                        out[name][rows] = value
                bar.update(len(rows))
        probabilities = out.get("probabilities", np.zeros((0, len(self.class_names)), np.float32))
        if self.multilabel:
            above = out.get("above_threshold", np.zeros(probabilities.shape, bool))
            return Predictions(probabilities, above.astype(np.int32),
                               [[n for n, on in zip(self.class_names, row) if on] for row in above],
                               out.get("logits"))
        ids = out.get("label_id", np.zeros(0, np.int32)).astype(np.int32)
        return Predictions(probabilities, ids, [self.class_names[i] for i in ids],
                           out.get("logits"))


def load(folder: str | Path) -> Classifier:
    """Load an exported tfsenti model folder (a SavedModel plus its config.json).

    Example:
        >>> clf = load("saved_models/demo")
        >>> clf.class_names, sorted(clf.serve.structured_outputs)
        (['neg', 'pos'], ['label', 'label_id', 'probabilities'])
    """
    folder = model_folder(folder)
    class_names, thresholds = saved_class_names(folder), saved_thresholds(folder)
    try:
        loaded = tf.saved_model.load(str(folder))
    except (tf.errors.OpError, IndexError, ValueError, OSError) as err:  # truncated, corrupt
        reason = (getattr(err, "message", None) or str(err)).strip().splitlines()[0][:200]
        raise TfsentiError(f"{folder}: the SavedModel could not be read ({reason}); copy or "
                           "export the model folder again") from None
    serve = loaded.signatures["serving_default"]
    return Classifier(serve, class_names, owner=loaded,
                      takes_pairs="text_pair" in serve.structured_input_signature[1],
                      thresholds=thresholds, temperature=saved_temperature(folder),
                      decision_threshold=saved_decision_threshold(folder))


def predict(model: str | Path | Classifier, texts: list[str], batch_size: int = 64,
            pairs: list[str] | None = None) -> Predictions:
    """Predict with an exported model folder (or a loaded Classifier); `pairs` for a model of
    text pairs.

    Example:
        >>> predict("saved_models/demo", ["dull and far too long"]).labels[0] in ("neg", "pos")
        True
    """
    classifier = model if isinstance(model, Classifier) else load(model)
    return classifier.predict(texts, batch_size, pairs=pairs)
