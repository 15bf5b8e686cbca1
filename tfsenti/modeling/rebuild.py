"""A trained classifier rebuilt with its encoder computing in another precision.

A TF-Hub encoder computes in the dtypes it was saved with, so changing its precision means
building it again: from the architecture in the `source.json` that tfsenti's conversions (the
default encoder's and `tfsenti convert`'s) write beside `encoder/`, under the target Keras policy,
saved to a scratch folder (only read while it is loaded), wrapped in a classifier with the same
options and given the trained weights. `export --precision bfloat16` rebuilds a model this way,
and so does `train` at the end of a 16-bit run: the model it returns, and exports, computes in
float32 like any other, on every device and in TFLite, and a single text does not pay for casts
at every layer.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import tensorflow as tf
import tf_keras as keras

from tfsenti.config import DEFAULT_ENCODER, TrainConfig
from tfsenti.encoders.bert import BertConfig, build_bert_encoder, save_encoder
from tfsenti.encoders.catalog import EncoderHandles, resolve_encoder
from tfsenti.errors import TfsentiError
from tfsenti.modeling.classifier import build_classifier
from tfsenti.precision import precision_policy


def converted_architecture(encoder_dir: str | Path) -> BertConfig | None:
    """The architecture recorded beside an encoder tfsenti converted; None for other encoders."""
    source = Path(encoder_dir).parent / "source.json"
    if not source.is_file():
        return None
    return BertConfig.from_hf(json.loads(source.read_text())["hf_config"])


def converted_encoder_handles(folder: Path, info: dict, config: TrainConfig,
                              purpose: str) -> EncoderHandles:
    """The handles of a model folder's encoder (its `config.json` read as `info`), which must
    have the `source.json` that `tfsenti convert` (and the default encoder's conversion) writes
    beside `encoder/`; else a one-line error saying that `purpose` rebuilds the encoder."""
    recorded = info.get("encoder", {})
    handles = EncoderHandles(recorded.get("encoder_handle", ""),
                             recorded.get("preprocess_handle", ""))
    if config.encoder == DEFAULT_ENCODER and not Path(handles.encoder).is_dir():
        handles = resolve_encoder(DEFAULT_ENCODER, config.preprocess)  # this user's cache
    if converted_architecture(handles.encoder) is None:
        raise TfsentiError(
            f"{folder}: {purpose} rebuilds the encoder, so it needs one tfsenti "
            f"converted (the default {DEFAULT_ENCODER!r} or a `tfsenti convert` folder); "
            f"{config.encoder} has no source.json beside it")
    return handles


def rebuilt_classifier(trained: keras.Model, config: TrainConfig, handles: EncoderHandles,
                       policy: str, **classifier_args) -> keras.Model:
    """`trained` built again with its converted encoder (`handles`) computing under the Keras
    `policy`, holding the trained weights; `classifier_args` go to `build_classifier`
    (num_classes, pairs, multilabel)."""
    architecture = converted_architecture(handles.encoder)
    if architecture is None:
        raise TfsentiError(f"{handles.encoder}: only an encoder tfsenti converted can be rebuilt "
                           "in another precision (it has no source.json beside it)")
    with precision_policy(policy), tempfile.TemporaryDirectory() as scratch:
        encoder_dir = str(Path(scratch) / "encoder")
        save_encoder(build_bert_encoder(architecture), encoder_dir)
        model = build_classifier(config, encoder=EncoderHandles(encoder_dir, handles.preprocess),
                                 **classifier_args)
    shapes = [(tuple(w.shape), tuple(v.shape)) for w, v in zip(trained.weights, model.weights)]
    if len(trained.weights) != len(model.weights) or any(a != b for a, b in shapes):
        raise TfsentiError("its weights do not match the encoder architecture in "
                           f"{Path(handles.encoder).parent / 'source.json'}")
    for variable, weight in zip(model.weights, trained.weights):
        variable.assign(tf.cast(weight, variable.dtype))
    return model


def float32_classifier(trained: keras.Model, config: TrainConfig, encoder: EncoderHandles,
                       **classifier_args) -> keras.Model:
    """The model a run returns: `trained` rebuilt in float32 when it was trained in 16 bits on
    an encoder tfsenti converted (`encoder`), else `trained` itself (a TF-Hub encoder computes in
    the precision it was saved with whatever the policy, and the head always in float32).

    Example:
        >>> model = build_classifier(TrainConfig(precision="float32", seq_len=16), 2)
        >>> float32_classifier(model, TrainConfig(precision="float32"), None) is model
        True
    """
    if config.precision == "float32" or converted_architecture(encoder.encoder) is None:
        return trained
    return rebuilt_classifier(trained, dataclasses.replace(config, precision="float32"), encoder,
                              "float32", **classifier_args)
