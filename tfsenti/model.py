"""`build_classifier`: string Input -> TF-Hub preprocessor -> BERT encoder -> pooling -> dropout
-> head.

The preprocessor runs inside the model, so the exported SavedModel takes raw strings. Its
`tokenize` and `bert_pack_inputs` are called by one layer, `TextToBertInputs`, which pads each
batch only to its longest text (capped at `seq_len`) instead of always to `seq_len`: padding is
masked out, so predictions are the same, and short texts cost far less. `fixed_length=True` pads
to `seq_len` always (the TF tutorial's behaviour).

For training on already-tokenized batches, `packed_inputs_model` shares the encoder, pooling,
dropout and head layers of the string model: training it trains the model that is exported.
The head computes in float32 under any mixed-precision policy, so logits and the loss are float32.
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401  (registers the ops of the preprocessor SavedModel)
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.freezing import freeze_encoder
from tfsenti.hub.bert import INPUT_NAMES
from tfsenti.hub.catalog import resolve_encoder
from tfsenti.truncation import truncate_pieces


def num_outputs(num_classes: int) -> int:
    """One logit for two classes (sigmoid), one per class otherwise (softmax)."""
    return 1 if num_classes == 2 else num_classes


class TextToBertInputs(keras.layers.Layer):
    """Strings [batch] -> encoder inputs [batch, L] via a TF-Hub BERT preprocessor.

    L is `seq_len`, or with `pad_to_longest` the batch's longest text in tokens (plus [CLS] and
    [SEP]) capped at `seq_len`. Longer texts are cut as `truncate` says (`tfsenti.truncation`).
    The loaded preprocessor is tracked by the layer, so its vocabulary table is saved with the
    model.
    """

    def __init__(self, preprocessor, seq_len: int, pad_to_longest: bool = True,
                 truncate: str = "head", **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.preprocessor = preprocessor
        self.seq_len = seq_len
        self.pad_to_longest = pad_to_longest
        self.truncate = truncate

    def call(self, texts):
        tokens = truncate_pieces(self.preprocessor.tokenize(texts), self.seq_len - 2, self.truncate)
        seq_length = tf.constant(self.seq_len, tf.int32)
        if self.pad_to_longest:
            lengths = tf.cast(tokens.merge_dims(1, -1).row_lengths(), tf.int32)
            longest = tf.reduce_max(tf.concat([lengths, [0]], axis=0)) + 2
            seq_length = tf.minimum(longest, seq_length)
        return self.preprocessor.bert_pack_inputs([tokens], seq_length=seq_length)

    def get_config(self):
        return {**super().get_config(), "seq_len": self.seq_len, "pad_to_longest": self.pad_to_longest,
                "truncate": self.truncate}


class Pooling(keras.layers.Layer):
    """Encoder outputs -> one vector per text: `pooled` (the encoder's [CLS] pooler output) or
    `mean` (mean of the last layer over real tokens, padding masked out)."""

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


def build_classifier(config: TrainConfig, num_classes: int) -> keras.Model:
    """The classifier of the TF "Classify text with BERT" tutorial, for any encoder.

    Args:
        config: encoder, seq_len, fixed_length, truncate, pooling, dropout, freeze (and `mode features`,
            which freezes the whole encoder) are used.
        num_classes: 2 gives a Dense(1) logit; more give Dense(num_classes) logits.

    Returns:
        A tf_keras model: string tensor [batch] -> logits [batch, 1 or num_classes].

    Example:
        >>> model = build_classifier(TrainConfig(seq_len=64), num_classes=2)
        >>> model(tf.constant(["a wonderful film"])).shape
        TensorShape([1, 1])
    """
    encoder_handle, preprocess_handle = resolve_encoder(config.encoder, config.preprocess,
                                                        config.precision)
    # === Layers ===
    to_inputs = TextToBertInputs(hub.load(preprocess_handle), config.seq_len,
                                 pad_to_longest=not config.fixed_length, truncate=config.truncate,
                                 name="preprocess")
    encoder = hub.KerasLayer(encoder_handle, trainable=True, name="encoder")
    freeze_encoder(encoder, "encoder" if config.mode == "features" else config.freeze)
    pooling = Pooling(config.pooling, name="pooling")
    dropout = keras.layers.Dropout(config.dropout, name="dropout")
    head = keras.layers.Dense(num_outputs(num_classes), name="classifier", dtype="float32")
    # === Functional Model ===
    text = keras.Input(shape=(), dtype=tf.string, name="text")
    inputs = to_inputs(text)
    pooled = pooling(encoder(inputs), inputs["input_mask"])
    return keras.Model(text, head(dropout(pooled)), name="tfsenti_classifier")


def packed_inputs_model(classifier: keras.Model, until: str = "classifier") -> keras.Model:
    """The classifier's layers after the preprocessor (shared weights) on packed int32 inputs,
    up to the layer named `until` (`pooling` gives the text embeddings)."""
    inputs = {name: keras.Input(shape=(None,), dtype=tf.int32, name=name) for name in INPUT_NAMES}
    x = classifier.get_layer("pooling")(classifier.get_layer("encoder")(inputs), inputs["input_mask"])
    if until == "classifier":
        x = classifier.get_layer("classifier")(classifier.get_layer("dropout")(x))
    return keras.Model(inputs, x, name=f"tfsenti_packed_{until}")
