"""`build_classifier`: string Input -> TF-Hub preprocessor -> BERT encoder -> pooling -> dropout
-> head.

The preprocessor runs inside the model (`TextToBertInputs`), so the exported SavedModel takes raw
strings. For training on already-tokenized batches, `packed_inputs_model` shares the encoder,
pooling, dropout and head layers of the string model: training it trains the model that is
exported. The head computes in float32 under any mixed-precision policy, so logits and the loss
are float32. With `--long chunks` every window of a text goes through the encoder and the head as
a row of its own, and `WindowPooling` turns the rows' logits into the text's.
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_hub as hub
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.encoders.bert import INPUT_NAMES
from tfsenti.encoders.catalog import EncoderHandles, resolve_encoder
from tfsenti.modeling.freezing import freeze_encoder
from tfsenti.modeling.text_inputs import TextToBertInputs
from tfsenti.modeling.truncation import Windows


def num_outputs(num_classes: int, multilabel: bool = False) -> int:
    """One logit for two classes (sigmoid), one per class otherwise (softmax, or a sigmoid each
    for multi-label data)."""
    return 1 if num_classes == 2 and not multilabel else num_classes


class Pooling(keras.layers.Layer):
    """Encoder outputs -> one vector per text: `pooled` (the encoder's [CLS] pooler output) or
    `mean` (mean of the last layer over real tokens, padding masked out).

    Example:
        >>> sequence = tf.constant([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]])
        >>> outputs = {"sequence_output": sequence, "pooled_output": sequence[:, 0]}
        >>> Pooling("mean")(outputs, tf.constant([[1, 1, 0]])).numpy().tolist()
        [[2.0, 3.0]]
    """

    def __init__(self, mode: str = "pooled", **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.mode = mode

    def call(self, encoder_outputs, input_mask):
        if self.mode == "pooled":
            return encoder_outputs["pooled_output"]
        sequence = encoder_outputs["sequence_output"]
        mask = tf.cast(input_mask, sequence.dtype)[:, :, tf.newaxis]
        total = tf.reduce_sum(sequence * mask, axis=1)
        return total / tf.maximum(tf.reduce_sum(mask, axis=1), tf.constant(1.0, sequence.dtype))

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class WindowPooling(keras.layers.Layer):
    """Logits of windows [rows, k] and the text of each row [rows] -> logits of the texts
    [texts, k]: their `mean`, or each logit's `max` (a label as strong as in its strongest window:
    for labels that one passage can carry, as in multi-label data).

    Example:
        >>> logits = tf.constant([[1.0], [3.0], [-2.0]])
        >>> WindowPooling("mean")(logits, tf.constant([0, 0, 1])).numpy().tolist()
        [[2.0], [-2.0]]
        >>> WindowPooling("max")(logits, tf.constant([0, 0, 1])).numpy().tolist()
        [[3.0], [-2.0]]
    """

    def __init__(self, mode: str = "mean", **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.mode = mode

    def call(self, logits, text_index):
        texts = tf.reduce_max(tf.concat([text_index, [-1]], axis=0)) + 1
        pool = tf.math.unsorted_segment_mean if self.mode == "mean" else tf.math.unsorted_segment_max
        return pool(logits, text_index, texts)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


def windows_of(config: TrainConfig) -> Windows | None:
    """The windows `--long chunks` reads texts in (None for `--long truncate`); `seq_len` must be
    resolved (`tfsenti.training.loop.resolve_seq_len`)."""
    if config.long != "chunks":
        return None
    return Windows.for_seq_len(config.seq_len, config.stride, config.max_chunks)


def build_classifier(config: TrainConfig, num_classes: int,
                     encoder: EncoderHandles | None = None, pairs: bool = False,
                     multilabel: bool = False) -> keras.Model:
    """The classifier of the TF "Classify text with BERT" tutorial, for any encoder.

    Build it under the run's precision policy (`tfsenti.precision.precision_policy`): its layers
    take their compute dtype from the policy in force when they are created.

    Args:
        config: encoder, preprocess, seq_len, fixed_length, truncate, long (and its stride,
            max_chunks, chunk_pool), pooling (auto: pooled; `train` resolves auto by its plan),
            dropout, freeze (and `mode features`, which freezes the whole encoder) are used.
        num_classes: 2 gives a Dense(1) logit; more give Dense(num_classes) logits.
        multilabel: one logit per label whatever their number (each a sigmoid: labels are
            independent).
        encoder: the handles `config.encoder` resolved to, when the caller has them already
            (resolving the default encoder checks its cache entry file by file).
        pairs: the model takes text pairs: inputs `text` and `text_pair`, packed as two segments.

    Returns:
        A tf_keras model: string tensor [batch] -> logits [batch, 1 or num_classes] (for pairs:
        {"text": strings [batch], "text_pair": strings [batch]} -> logits).

    Example:
        >>> model = build_classifier(TrainConfig(seq_len=64), num_classes=2)
        >>> model(tf.constant(["a wonderful film"])).shape
        TensorShape([1, 1])
        >>> pair_model = build_classifier(TrainConfig(seq_len=64), num_classes=3, pairs=True)
        >>> pair_model({"text": tf.constant(["great food, slow service"]),
        ...             "text_pair": tf.constant(["service"])}).shape
        TensorShape([1, 3])
    """
    if encoder is None:  # precision auto: the policy in force (`train` resolves auto first)
        policy = keras.mixed_precision.global_policy().name
        encoder = resolve_encoder(config.encoder, config.preprocess,
                                  policy if config.precision == "auto" else config.precision)
    # === Layers ===
    layers = {
        "preprocess": TextToBertInputs(hub.load(encoder.preprocess), config.seq_len,
                                       pad_to_longest=not config.fixed_length,
                                       truncate=config.truncate, windows=windows_of(config),
                                       name="preprocess"),
        "encoder": hub.KerasLayer(encoder.encoder, trainable=True, name="encoder"),
        "pooling": Pooling("pooled" if config.pooling == "auto" else config.pooling, name="pooling"),
        "dropout": keras.layers.Dropout(config.dropout, name="dropout"),
        "classifier": keras.layers.Dense(num_outputs(num_classes, multilabel), name="classifier",
                                         dtype="float32"),
    }
    if config.long == "chunks":
        layers["window_pooling"] = WindowPooling(config.chunk_pool, name="window_pooling")
    freeze_encoder(layers["encoder"], "encoder" if config.mode == "features" else config.freeze)
    # === Functional Model ===
    text = keras.Input(shape=(), dtype=tf.string, name="text")
    if pairs:
        text_pair = keras.Input(shape=(), dtype=tf.string, name="text_pair")
        model_inputs, inputs = ({"text": text, "text_pair": text_pair},
                                layers["preprocess"](text, text_pair))
    else:
        model_inputs, inputs = text, layers["preprocess"](text)
    return keras.Model(model_inputs, _packed_to_outputs(inputs, layers), name="tfsenti_classifier")


def _packed_to_outputs(inputs: dict, layers: dict[str, keras.layers.Layer],
                       until: str = "classifier") -> tf.Tensor:
    """Packed inputs (with `text_index` under `--long chunks`) -> the output of the layer `until`:
    the texts' logits (`classifier`) or the rows' pooled encoder outputs (`pooling`)."""
    x = layers["pooling"](layers["encoder"]({name: inputs[name] for name in INPUT_NAMES}),
                          inputs["input_mask"])
    if until == "pooling":
        return x
    x = layers["classifier"](layers["dropout"](x))
    return layers["window_pooling"](x, inputs["text_index"]) if "text_index" in inputs else x


def packed_inputs_model(classifier: keras.Model, until: str = "classifier") -> keras.Model:
    """The classifier's layers after the preprocessor (shared weights) on packed int32 inputs,
    up to the layer named `until` (`pooling` gives the text embeddings). A classifier of
    `--long chunks` also takes `text_index` [rows], the text each row of inputs belongs to.

    Example:
        >>> model = build_classifier(TrainConfig(seq_len=64), num_classes=2)
        >>> ids = tf.constant([[101, 2307, 102]])
        >>> packed_inputs_model(model, until="pooling")({"input_word_ids": ids,
        ...     "input_mask": tf.ones_like(ids), "input_type_ids": tf.zeros_like(ids)}).shape
        TensorShape([1, 384])
    """
    layers = {layer.name: layer for layer in classifier.layers}
    inputs = {name: keras.Input(shape=(None,), dtype=tf.int32, name=name) for name in INPUT_NAMES}
    if "window_pooling" in layers and until == "classifier":
        inputs["text_index"] = keras.Input(shape=(), dtype=tf.int32, name="text_index")
    return keras.Model(inputs, _packed_to_outputs(inputs, layers, until),
                       name=f"tfsenti_packed_{until}")
