"""A bfloat16 copy of an exported model, for TF Serving on CPUs with bfloat16 arithmetic
(AVX512_BF16, AMX).

The copy keeps the raw-string `serving_default` signature and its float32 outputs, and is an
ordinary model folder: `tfsenti predict`, `evaluate` and `export --serving-dir` take it. Inside,
the encoder's weights and arithmetic are bfloat16 (the head stays float32). A TF-Hub encoder
computes in the dtypes it was saved with, so the model is rebuilt with its encoder under Keras'
`bfloat16` policy (`tfsenti.modeling.rebuild`: encoders tfsenti converted) and given the
trained weights. Storing bfloat16 weights, rather than casting float32 ones at every call
(`mixed_bfloat16`, or TensorFlow's automatic rewrite), halves the bytes and keeps single-text
latency near float32's, where the casts would cost more than the matmuls save.
"""

from __future__ import annotations

import json
from pathlib import Path

import tf_keras as keras

from tfsenti._staging import StagedFolder
from tfsenti.config import TrainConfig
from tfsenti.data.texts import LabeledTexts
from tfsenti.errors import TfsentiError
from tfsenti.inference.accuracy_guard import guarded_check
from tfsenti.inference.model_folder import (CONFIG, model_folder, saved_class_names,
                                            saved_decision_threshold, saved_temperature,
                                            saved_thresholds, write_saved_model)
from tfsenti.inference.predictor import Classifier, load
from tfsenti.inference.signature import takes_pairs
from tfsenti.modeling.rebuild import converted_encoder_handles, rebuilt_classifier

PRECISIONS = ("float32", "bfloat16")


def export_bfloat16(model_dir: str | Path, out: str | Path, overwrite: bool = False,
                    check_data: LabeledTexts | None = None, max_drop: float = 0.5,
                    progress: bool = False) -> Path:
    """Write a bfloat16 copy of an exported model folder to the model folder `out`.

    With `check_data`, the copy is scored against the model on those texts first and not written
    (`AccuracyDropError`) if its accuracy is more than `max_drop` points lower; the figures go
    into its `config.json` (`check`).

    Example:
        >>> export_bfloat16("saved_models/demo", "saved_models/demo_bf16", overwrite=True)
        PosixPath('saved_models/demo_bf16')
        >>> load("saved_models/demo_bf16").predict(["a fine film"]).probabilities.dtype
        dtype('float32')
    """
    folder = model_folder(model_dir)
    info = json.loads((folder / CONFIG).read_text())
    if info.get("serving_precision") == "bfloat16":
        raise TfsentiError(f"{folder}: already a bfloat16 copy; export from its float32 model")
    class_names, thresholds = saved_class_names(folder), saved_thresholds(folder)
    temperature, cut = saved_temperature(folder), saved_decision_threshold(folder)
    with StagedFolder(Path(out), overwrite) as stage:
        model = bfloat16_classifier(folder, info)
        exported = Classifier.from_model(model, class_names, thresholds, temperature, cut)
        info = {**info, "serving_precision": "bfloat16", "source": str(folder)}
        if check_data is not None:
            info["check"] = guarded_check(stage.final, load(folder), exported, check_data,
                                          max_drop, "--precision bfloat16", progress)
        write_saved_model(model, exported.serve, class_names, stage.path, info, thresholds,
                          temperature, cut)
    return stage.final


def bfloat16_classifier(folder: Path, info: dict) -> keras.Model:
    """The model of `folder` (its `config.json` read as `info`) rebuilt with a bfloat16 encoder
    and given the trained weights."""
    config = TrainConfig.load(folder)
    handles = converted_encoder_handles(folder, info, config, "--precision bfloat16")
    trained = keras.models.load_model(str(folder), compile=False)
    try:
        return rebuilt_classifier(trained, config, handles, "bfloat16",
                                  num_classes=len(info["class_names"]), pairs=takes_pairs(trained),
                                  multilabel=info.get("task") == "multilabel")
    except TfsentiError as error:
        raise TfsentiError(f"{folder}: {error}; export it with --precision float32") from None
