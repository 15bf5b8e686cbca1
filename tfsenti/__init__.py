"""tfsenti: fine-tune BERT encoders (TF-Hub format) for text classification; export raw-string
SavedModels ready for TF Serving.

Example (after `make demo`, which writes saved_models/demo):
    >>> import tfsenti
    >>> clf = tfsenti.load("saved_models/demo")
    >>> test = tfsenti.load_dataset(tfsenti.DEMO_DATA / "test", class_names=clf.class_names)
    >>> metrics = tfsenti.evaluate(clf, test)
    >>> metrics["examples"], sorted(metrics)[:3]
    (200, ['accuracy', 'class_names', 'confusion_matrix'])
"""

from tfsenti.config import TrainConfig
from tfsenti.data import DEMO_DATA, LabeledTexts, download_imdb, load_dataset
from tfsenti.errors import ConfigError, ConversionError, DataError, EncoderError, TfsentiError
from tfsenti.evaluation import compute_metrics, evaluate
from tfsenti.export import Classifier, export, load, predict
from tfsenti.hub.convert import convert_checkpoint
from tfsenti.lr_find import lr_range_test
from tfsenti.model import build_classifier
from tfsenti.serving import check_serving, export_for_serving
from tfsenti.training import train
from tfsenti.workflow import fine_tune

__all__ = [
    "DEMO_DATA", "Classifier", "ConfigError", "ConversionError", "DataError", "EncoderError", "LabeledTexts",
    "TfsentiError", "TrainConfig", "build_classifier", "check_serving", "compute_metrics",
    "convert_checkpoint", "download_imdb", "evaluate", "export", "export_for_serving", "fine_tune",
    "load", "load_dataset", "lr_range_test", "predict", "train",
]
