"""The serving SavedModel (raw strings in; probabilities, label ids, label names out), load, predict.

`serving_default` takes `text`: string [None] and returns `probabilities` float32 [None, C]
(sigmoid for two classes, as [1 - p, p]; softmax otherwise), `label_id` int32 [None] and `label`
string [None]; the class names are constants in the graph. Loading needs only tensorflow and
tensorflow_text, as TF Serving does.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer ops before a SavedModel loads)

from tfsenti.errors import ConfigError, TfsentiError

log = logging.getLogger(__name__)


def serving_function(model, class_names: list[str]) -> tf.types.experimental.GenericFunction:
    """Wrap a logits model into the `serving_default` function of the exported SavedModel."""
    names = tf.constant(class_names)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(text):
        logits = tf.cast(model(text, training=False), tf.float32)
        if len(class_names) == 2:
            positive = tf.sigmoid(logits)
            probabilities = tf.concat([1.0 - positive, positive], axis=-1)
        else:
            probabilities = tf.nn.softmax(logits, axis=-1)
        label_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"probabilities": probabilities, "label_id": label_id,
                "label": tf.gather(names, label_id)}

    return serve


def save_serving_model(model, serve, class_names: list[str], folder: Path, info: dict) -> None:
    """`model.save` without the optimizer, with `serve` (from `serving_function`) as the
    raw-string `serving_default` signature, plus `config.json` (`info` and the class names)."""
    (folder / "config.json").write_text(json.dumps({**info, "class_names": class_names}, indent=2))
    model.save(str(folder), include_optimizer=False, signatures={"serving_default": serve})


def export(model, class_names: list[str], folder: str | Path, info: dict | None = None,
           overwrite: bool = False) -> Path:
    """Save a trained classifier (from `train`) as a raw-string SavedModel folder.

    The folder is built as `FOLDER.partial` and renamed when complete. `tfsenti train` (see
    `fine_tune`) also writes metrics, history, plots and a report beside it.

    Example:
        >>> from tfsenti import TrainConfig, build_classifier
        >>> model = build_classifier(TrainConfig(seq_len=64), 2)  # or trained: train(...)[0]
        >>> export(model, ["neg", "pos"], "saved_models/untrained", overwrite=True)
        PosixPath('saved_models/untrained')
    """
    with StagedFolder(Path(folder), overwrite) as stage:
        save_serving_model(model, serving_function(model, class_names), class_names, stage.path,
                           info or {})
    return stage.final


@dataclasses.dataclass
class Predictions:
    """Outputs for N texts: probabilities [N, C], label ids [N], label names [N]."""

    probabilities: np.ndarray
    label_ids: np.ndarray
    labels: list[str]

    def records(self, texts: list[str], class_names: list[str]) -> list[dict]:
        """One JSON-ready dict per text: text, label, probabilities by class name."""
        return [{"text": text, "label": label,
                 "probabilities": {c: round(float(p), 6) for c, p in zip(class_names, probs)}}
                for text, label, probs in zip(texts, self.labels, self.probabilities)]


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

    def __init__(self, serve, class_names: list[str], owner=None):
        self.serve = serve
        self.class_names = list(class_names)
        self.owner = owner  # a loaded SavedModel whose variables `serve` uses: kept alive here

    @classmethod
    def from_model(cls, model, class_names: list[str]) -> "Classifier":
        """The classifier of an in-memory string model (from `train`), before any export.

        Example:
            >>> from tfsenti import TrainConfig, build_classifier
            >>> model = build_classifier(TrainConfig(), 2)  # usually trained: train(...)[0]
            >>> Classifier.from_model(model, ["neg", "pos"]).predict(["Great!"]).probabilities.shape
            (1, 2)
        """
        return cls(serving_function(model, class_names), class_names)

    def predict(self, texts: list[str], batch_size: int = 64) -> Predictions:
        """Predictions in input order. Texts are batched by length (the model pads each batch
        only to its longest text), so mixed-length inputs cost little padding."""
        if batch_size < 1:
            raise ConfigError(f"batch size must be at least 1 (got {batch_size})")
        order = np.argsort([len(t) for t in texts], kind="stable")
        probabilities = np.zeros((len(texts), len(self.class_names)), np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            batch = tf.constant([texts[i] for i in rows], dtype=tf.string)
            probabilities[rows] = self.serve(text=batch)["probabilities"].numpy()
        ids = probabilities.argmax(axis=-1).astype(np.int32)
        return Predictions(probabilities, ids, [self.class_names[i] for i in ids])


def model_folder(folder: str | Path) -> Path:
    """`folder` as a Path if it holds an exported tfsenti model, else a one-line `TfsentiError`."""
    folder = Path(folder)
    if not (folder / "saved_model.pb").is_file() or not (folder / "config.json").is_file():
        raise TfsentiError(f"{folder}: not an exported tfsenti model (needs saved_model.pb and "
                           "config.json)")
    return folder


def load(folder: str | Path) -> Classifier:
    """Load an exported tfsenti model folder (a SavedModel plus its config.json).

    Example:
        >>> clf = load("saved_models/demo")
        >>> clf.class_names, sorted(clf.serve.structured_outputs)
        (['neg', 'pos'], ['label', 'label_id', 'probabilities'])
    """
    folder = model_folder(folder)
    class_names = json.loads((folder / "config.json").read_text())["class_names"]
    loaded = tf.saved_model.load(str(folder))
    return Classifier(loaded.signatures["serving_default"], class_names, owner=loaded)


def predict(model: str | Path | Classifier, texts: list[str], batch_size: int = 64) -> Predictions:
    """Predict with an exported model folder (or a loaded Classifier).

    Example:
        >>> predict("saved_models/demo", ["dull and far too long"]).labels[0] in ("neg", "pos")
        True
    """
    classifier = model if isinstance(model, Classifier) else load(model)
    return classifier.predict(texts, batch_size)


class StagedFolder:
    """Build an output folder as `OUT.partial` and rename it to its final name only when complete.

    On an exception the partial folder is removed, so bad input or a failed export never leaves
    a folder that looks like a finished model; a killed or interrupted process leaves only
    `OUT.partial`, which `resume=True` keeps and continues instead of clearing. The final name
    may be set late (`final`), e.g. once the accuracy in a default model name is known.
    """

    def __init__(self, final: Path, overwrite: bool = False, resume: bool = False):
        self.final = Path(final)
        self.overwrite = overwrite
        self.resume = resume
        self.path = self.final.with_name(self.final.name + ".partial")

    def __enter__(self) -> "StagedFolder":
        if self.path.exists() and not self.resume:  # leftovers of an interrupted run
            log.warning("removing %s, left by an interrupted run (--resume continues such a run)",
                        self.path)
            shutil.rmtree(self.path)
        elif self.path.exists():
            log.info("resuming the interrupted run in %s", self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            log.warning("interrupted; %s is kept for --resume", self.path)
            return
        if exc_type is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        previous = None
        if self.final.exists():
            if not self.overwrite:
                shutil.rmtree(self.path, ignore_errors=True)
                raise ConfigError(f"{self.final}: already exists; pass --overwrite to replace it")
            previous = self.final.with_name(self.final.name + ".old")
            shutil.rmtree(previous, ignore_errors=True)
            self.final.rename(previous)
        self.path.rename(self.final)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
