"""tfsenti: fine-tune BERT encoders (TF-Hub format) for text classification; export raw-string
SavedModels ready for TF Serving.

Example:
    >>> import tfsenti  # doctest: +SKIP
    >>> data = tfsenti.load_dataset("tfsenti/demo/train")  # doctest: +SKIP
    >>> model, history = tfsenti.train(tfsenti.TrainConfig(epochs=2), *data.split(0.1, 42))  # doctest: +SKIP
    >>> tfsenti.predict("saved_models/demo", ["What a film!"]).labels  # doctest: +SKIP
"""

from tfsenti.config import TrainConfig
from tfsenti.data import LabeledTexts, download_imdb, load_dataset
from tfsenti.errors import ConfigError, ConversionError, DataError, EncoderError, TfsentiError
from tfsenti.evaluation import compute_metrics, evaluate
from tfsenti.export import Classifier, export, load, predict
from tfsenti.hub.convert import convert_checkpoint
from tfsenti.model import build_classifier
from tfsenti.training import train
from tfsenti.workflow import fine_tune

__all__ = [
    "Classifier", "ConfigError", "ConversionError", "DataError", "EncoderError", "LabeledTexts",
    "TfsentiError", "TrainConfig", "build_classifier", "compute_metrics", "convert_checkpoint",
    "download_imdb", "evaluate", "export", "fine_tune", "load", "load_dataset", "predict", "train",
]
