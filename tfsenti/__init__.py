"""tfsenti: fine-tune BERT encoders (TF-Hub format) for text classification; export raw-string
SavedModels ready for TF Serving.

The public API is below (`__all__`). Names are imported on first use (PEP 562), so `import
tfsenti` and the CLI's `--help` load no TensorFlow; the first name that needs it loads it as the
CLI does, without TensorFlow's native start-up lines (`TFSENTI_TF_LOGS=1` shows them), unless
the program imported TensorFlow itself.

Example (after `make demo`, which writes saved_models/demo):
    >>> import tfsenti
    >>> clf = tfsenti.load("saved_models/demo")
    >>> test = tfsenti.load_dataset(tfsenti.DEMO_DATA / "test", class_names=clf.class_names)
    >>> metrics = tfsenti.evaluate(clf, test)
    >>> metrics["examples"], sorted(metrics["calibration"])
    (200, ['brier', 'ece', 'temperature'])
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_API = {
    "DEMO_DATA": "tfsenti.demo",
    "TrainConfig": "tfsenti.config",
    "ConfigError": "tfsenti.errors", "ConversionError": "tfsenti.errors",
    "DataError": "tfsenti.errors", "EncoderError": "tfsenti.errors",
    "TfsentiError": "tfsenti.errors",
    "LabeledTexts": "tfsenti.data.texts",
    "load_dataset": "tfsenti.data.loaders",
    "download_imdb": "tfsenti.data.download",
    "convert_checkpoint": "tfsenti.encoders.convert",
    "build_classifier": "tfsenti.modeling.classifier",
    "train": "tfsenti.training.loop",
    "lr_range_test": "tfsenti.training.lr_find",
    "save_model": "tfsenti.inference.model_folder",
    "Classifier": "tfsenti.inference.predictor", "load": "tfsenti.inference.predictor",
    "predict": "tfsenti.inference.predictor",
    "check_serving": "tfsenti.inference.serving",
    "export_for_serving": "tfsenti.inference.serving",
    "compute_metrics": "tfsenti.evaluation.metrics",
    "multilabel_metrics": "tfsenti.evaluation.multilabel",
    "tune_thresholds": "tfsenti.evaluation.multilabel",
    "evaluate": "tfsenti.evaluation.evaluate",
    "metrics_table": "tfsenti.evaluation.report",
    "plot_confusion_matrix": "tfsenti.evaluation.plots",
    "plot_training_curves": "tfsenti.evaluation.plots",
    "fine_tune": "tfsenti.workflow",
}
__all__ = sorted(_API)
_WITHOUT_TENSORFLOW = {"tfsenti.demo", "tfsenti.config", "tfsenti.errors"}


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'tfsenti' has no attribute {name!r}")
    if _API[name] not in _WITHOUT_TENSORFLOW and "tensorflow" not in sys.modules:
        from tfsenti._startup import load_tensorflow

        load_tensorflow()
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # what type checkers and IDEs see
    from tfsenti.config import TrainConfig
    from tfsenti.data.download import download_imdb
    from tfsenti.data.loaders import load_dataset
    from tfsenti.data.texts import LabeledTexts
    from tfsenti.demo import DEMO_DATA
    from tfsenti.encoders.convert import convert_checkpoint
    from tfsenti.errors import ConfigError, ConversionError, DataError, EncoderError, TfsentiError
    from tfsenti.evaluation.evaluate import evaluate
    from tfsenti.evaluation.metrics import compute_metrics
    from tfsenti.evaluation.multilabel import multilabel_metrics, tune_thresholds
    from tfsenti.evaluation.plots import plot_confusion_matrix, plot_training_curves
    from tfsenti.evaluation.report import metrics_table
    from tfsenti.inference.model_folder import save_model
    from tfsenti.inference.predictor import Classifier, load, predict
    from tfsenti.inference.serving import check_serving, export_for_serving
    from tfsenti.modeling.classifier import build_classifier
    from tfsenti.training.loop import train
    from tfsenti.training.lr_find import lr_range_test
    from tfsenti.workflow import fine_tune
