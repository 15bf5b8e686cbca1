"""Model folders: a raw-string SavedModel plus the `config.json` that explains it.

`save_model` turns a trained classifier into such a folder; `tfsenti train` (`fine_tune`) writes
the same SavedModel and `config.json` with metrics, history, plots and a report beside them.
Loading needs only tensorflow and tensorflow_text, as TF Serving does.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import tensorflow as tf

from tfsenti._staging import StagedFolder
from tfsenti.errors import TfsentiError
from tfsenti.inference.signature import Temperature, serving_function

CONFIG = "config.json"


def write_saved_model(model, serve, class_names: list[str], folder: Path, info: dict,
                      thresholds: list[float] | None = None, temperature: Temperature = None,
                      decision_threshold: float | None = None) -> None:
    """`model.save` into an existing `folder` without the optimizer, with `serve` (from
    `serving_function`) as the raw-string `serving_default` signature, plus `config.json`
    (`info`, the class names, for a multi-label model its per-label thresholds, and the
    temperature and decision threshold `serve` applies, if any)."""
    labels = {"class_names": class_names}
    if thresholds is not None:
        labels.update(task="multilabel", thresholds=[float(t) for t in thresholds])
    if temperature is not None:
        labels["temperature"] = temperature
    if decision_threshold is not None:
        labels["decision_threshold"] = float(decision_threshold)
    (folder / CONFIG).write_text(json.dumps({**info, **labels}, indent=2))
    quiet = _DropUnbuiltMetricsNote()
    tf.get_logger().addFilter(quiet)
    try:
        model.save(str(folder), include_optimizer=False, signatures={"serving_default": serve})
    finally:
        tf.get_logger().removeFilter(quiet)


class _DropUnbuiltMetricsNote(logging.Filter):
    """tf_keras warns on saving a model that was never compiled (the string model is trained
    through another model sharing its layers) that its compiled metrics are not built: true,
    harmless, and nothing a user can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "compiled metrics have yet to be built" not in record.getMessage()


def save_model(model, class_names: list[str], folder: str | Path, info: dict | None = None,
               overwrite: bool = False, thresholds: list[float] | None = None,
               temperature: Temperature = None, decision_threshold: float | None = None) -> Path:
    """Save a trained classifier (from `train`) as a model folder that takes raw strings; a
    multi-label model needs its per-label `thresholds` (`tune_thresholds` on validation data);
    `temperature` (`fit_temperature` on validation logits) calibrates its probabilities;
    `decision_threshold` (`threshold_for` on validation) is a binary model's cut on its second
    class.

    The folder is built as `FOLDER.partial` and renamed when complete. To lay a model folder out
    for TF Serving (`NAME/VERSION/`), see `export_for_serving`.

    Example:
        >>> from tfsenti import TrainConfig, build_classifier
        >>> model = build_classifier(TrainConfig(seq_len=64), 2)  # or trained: train(...)[0]
        >>> save_model(model, ["neg", "pos"], "saved_models/untrained", overwrite=True)
        PosixPath('saved_models/untrained')
    """
    with StagedFolder(Path(folder), overwrite) as stage:
        serve = serving_function(model, class_names, thresholds, temperature, decision_threshold)
        write_saved_model(model, serve, class_names, stage.path, info or {}, thresholds,
                          temperature, decision_threshold)
    return stage.final


def model_folder(folder: str | Path) -> Path:
    """`folder` as a Path if it holds an exported tfsenti model, else a one-line `TfsentiError`.

    Example:
        >>> model_folder("no_such_model")
        Traceback (most recent call last):
        tfsenti.errors.TfsentiError: no_such_model: not an exported tfsenti model (needs saved_model.pb and config.json)
    """
    folder = Path(folder)
    if not (folder / "saved_model.pb").is_file() or not (folder / CONFIG).is_file():
        raise TfsentiError(f"{folder}: not an exported tfsenti model (needs saved_model.pb and "
                           f"{CONFIG})")
    return folder


def saved_class_names(folder: str | Path) -> list[str]:
    """The class names of an exported model folder, in label-id order.

    Example:
        >>> saved_class_names("saved_models/demo")
        ['neg', 'pos']
    """
    return json.loads((Path(folder) / CONFIG).read_text())["class_names"]


def saved_thresholds(folder: str | Path) -> list[float] | None:
    """The per-label thresholds of an exported multi-label model; None for a single-label one.

    Example:
        >>> saved_thresholds("saved_models/demo") is None
        True
    """
    return json.loads((Path(folder) / CONFIG).read_text()).get("thresholds")


def saved_temperature(folder: str | Path) -> Temperature:
    """The temperature (or one per label) an exported model divides its logits by; None for a
    model trained with `--calibrate none`.

    Example:
        >>> saved_temperature("saved_models/demo") is not None
        True
    """
    return json.loads((Path(folder) / CONFIG).read_text()).get("temperature")


def saved_decision_threshold(folder: str | Path) -> float | None:
    """A binary model's decision threshold on its second class's probability (`--threshold-for`);
    None when it predicts the more probable class.

    Example:
        >>> saved_decision_threshold("saved_models/demo") is None
        True
    """
    return json.loads((Path(folder) / CONFIG).read_text()).get("decision_threshold")
