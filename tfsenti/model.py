"""`build_classifier`: string Input -> TF-Hub preprocessor -> BERT encoder -> dropout -> head.

The preprocessor's `tokenize` and `bert_pack_inputs(seq_length=N)` are used as two KerasLayers
(the TF-Hub recipe for a sequence length other than 128). The loaded preprocessor object is kept
as an attribute of the model: without that, saving fails with "Tried to export a function which
references an 'untracked' resource" (its vocabulary table).
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401  (registers the ops of the preprocessor SavedModel)
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.hub.catalog import resolve_encoder


def num_outputs(num_classes: int) -> int:
    """One logit for two classes (sigmoid), one per class otherwise (softmax)."""
    return 1 if num_classes == 2 else num_classes


def build_classifier(config: TrainConfig, num_classes: int) -> keras.Model:
    """The classifier of the TF "Classify text with BERT" tutorial, for any encoder.

    Args:
        config: encoder, seq_len and dropout are used.
        num_classes: 2 gives a Dense(1) logit; more give Dense(num_classes) logits.

    Returns:
        A tf_keras model: string tensor [batch] -> logits [batch, 1 or num_classes].

    Example:
        >>> model = build_classifier(TrainConfig(seq_len=64), num_classes=2)  # doctest: +SKIP
        >>> model(tf.constant(["a wonderful film"])).shape  # doctest: +SKIP
        TensorShape([1, 1])
    """
    encoder_handle, preprocess_handle = resolve_encoder(config.encoder, config.preprocess)
    preprocessor = hub.load(preprocess_handle)
    # === Layers ===
    tokenize = hub.KerasLayer(preprocessor.tokenize, name="tokenize")
    pack = hub.KerasLayer(preprocessor.bert_pack_inputs,
                          arguments={"seq_length": config.seq_len}, name="pack_inputs")
    encoder = hub.KerasLayer(encoder_handle, trainable=True, name="encoder")
    dropout = keras.layers.Dropout(config.dropout, name="dropout")
    head = keras.layers.Dense(num_outputs(num_classes), name="classifier")
    # === Functional Model ===
    text = keras.Input(shape=(), dtype=tf.string, name="text")
    encoder_inputs = pack([tokenize(text)])
    pooled = encoder(encoder_inputs)["pooled_output"]
    logits = head(dropout(pooled))
    model = keras.Model(text, logits, name="tfsenti_classifier")
    model.preprocessor = preprocessor  # tracked, so the vocabulary table is saved with the model
    return model
