"""The BERT encoder (backbone) in tf_keras, with Hugging Face semantics.

Post-LayerNorm transformer blocks, exact-erf GELU, a tanh pooler over [CLS], dropout only when
called with `training=True`. Inputs and outputs follow the TF-Hub BERT encoder interface, so the
model saved by `hub/convert.py` is a drop-in for the public `bert_en_uncased_*` handles.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import tensorflow as tf
import tf_keras as keras

INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """Sizes of a BERT encoder; `from_hf` reads a Hugging Face `config.json` dict.

    Example:
        >>> BertConfig(vocab_size=100, hidden_size=32, num_layers=2, num_heads=2,
        ...            intermediate_size=64).head_size
        16
    """

    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    dropout: float = 0.1
    attention_dropout: float = 0.1
    layer_norm_eps: float = 1e-12

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_heads

    @classmethod
    def from_hf(cls, hf: dict[str, Any]) -> "BertConfig":
        return cls(
            vocab_size=hf["vocab_size"],
            hidden_size=hf["hidden_size"],
            num_layers=hf["num_hidden_layers"],
            num_heads=hf["num_attention_heads"],
            intermediate_size=hf["intermediate_size"],
            max_position_embeddings=hf.get("max_position_embeddings", 512),
            type_vocab_size=hf.get("type_vocab_size", 2),
            dropout=hf.get("hidden_dropout_prob", 0.1),
            attention_dropout=hf.get("attention_probs_dropout_prob", 0.1),
            layer_norm_eps=hf.get("layer_norm_eps", 1e-12),
        )


class BertEmbeddings(keras.layers.Layer):
    """Word + absolute position + token type embeddings, then LayerNorm and dropout."""

    def __init__(self, vocab_size: int, hidden_size: int, max_position_embeddings: int,
                 type_vocab_size: int, dropout: float, layer_norm_eps: float, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.dropout_rate = dropout
        self.layer_norm_eps = layer_norm_eps
        self.seed = seed
        # === Layers ===
        self.word_embeddings = keras.layers.Embedding(vocab_size, hidden_size, name="word_embeddings")
        self.token_type_embeddings = keras.layers.Embedding(
            type_vocab_size, hidden_size, name="token_type_embeddings")
        self.layer_norm = keras.layers.LayerNormalization(epsilon=layer_norm_eps, name="layer_norm")
        self.dropout = keras.layers.Dropout(dropout, seed=seed)

    def build(self, input_shape):
        self.position_embeddings = self.add_weight(
            "position_embeddings", shape=(self.max_position_embeddings, self.hidden_size),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02))
        super().build(input_shape)

    def call(self, word_ids, type_ids, training=None):
        seq_length = tf.shape(word_ids)[1]
        positions = tf.expand_dims(self.position_embeddings[:seq_length], 0)
        x = self.word_embeddings(word_ids) + self.token_type_embeddings(type_ids)
        x = x + tf.cast(positions, x.dtype)
        return self.dropout(self.layer_norm(x), training=training)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "hidden_size": self.hidden_size,
                "max_position_embeddings": self.max_position_embeddings,
                "type_vocab_size": self.type_vocab_size, "dropout": self.dropout_rate,
                "layer_norm_eps": self.layer_norm_eps, "seed": self.seed}


class TransformerBlock(keras.layers.Layer):
    """One post-LayerNorm BERT block: self-attention + residual + LN, GELU MLP + residual + LN."""

    def __init__(self, hidden_size: int, num_heads: int, intermediate_size: int, dropout: float,
                 attention_dropout: float, layer_norm_eps: float, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.intermediate_size = intermediate_size
        self.dropout_rate = dropout
        self.attention_dropout_rate = attention_dropout
        self.layer_norm_eps = layer_norm_eps
        self.seed = seed
        # === Layers ===
        dense = keras.layers.Dense
        self.query = dense(hidden_size, name="query")
        self.key = dense(hidden_size, name="key")
        self.value = dense(hidden_size, name="value")
        self.attention_output = dense(hidden_size, name="attention_output")
        self.attention_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, name="attention_layer_norm")
        self.intermediate = dense(intermediate_size, name="intermediate")
        self.output_dense = dense(hidden_size, name="output")
        self.output_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, name="output_layer_norm")
        # Seeded, so the saved encoder's dropout is reproducible and allowed under op determinism
        # (tf_keras derives a new op seed from `seed` at every call).
        self.attention_dropout = keras.layers.Dropout(attention_dropout, seed=seed)
        self.hidden_dropout = keras.layers.Dropout(dropout, seed=seed + 500)

    def _split_heads(self, x):
        batch, length = tf.shape(x)[0], tf.shape(x)[1]
        x = tf.reshape(x, [batch, length, self.num_heads, self.head_size])
        return tf.transpose(x, [0, 2, 1, 3])

    def call(self, x, attention_bias, training=None):
        q, k, v = (self._split_heads(layer(x)) for layer in (self.query, self.key, self.value))
        scores = tf.matmul(q, k, transpose_b=True) * (1.0 / math.sqrt(self.head_size))
        probs = tf.nn.softmax(scores + tf.cast(attention_bias, scores.dtype), axis=-1)
        context = tf.matmul(self.attention_dropout(probs, training=training), v)
        context = tf.transpose(context, [0, 2, 1, 3])
        context = tf.reshape(context, tf.shape(x))
        attended = self.hidden_dropout(self.attention_output(context), training=training)
        x = self.attention_layer_norm(x + attended)
        hidden = tf.nn.gelu(self.intermediate(x), approximate=False)
        out = self.hidden_dropout(self.output_dense(hidden), training=training)
        return self.output_layer_norm(x + out)

    def get_config(self):
        return {**super().get_config(), "hidden_size": self.hidden_size,
                "num_heads": self.num_heads, "intermediate_size": self.intermediate_size,
                "dropout": self.dropout_rate, "attention_dropout": self.attention_dropout_rate,
                "layer_norm_eps": self.layer_norm_eps, "seed": self.seed}


class AttentionBias(keras.layers.Layer):
    """input_mask [batch, seq] (1 = token, 0 = padding) -> additive bias [batch, 1, 1, seq].

    Built with `tf.reshape` rather than `[:, tf.newaxis, tf.newaxis, :]`: TFLite's builtin
    strided slice cannot add axes, so the latter would leave a TensorFlow op in a `.tflite` file.
    """

    def call(self, input_mask):
        mask = tf.cast(input_mask, tf.float32)
        mask = tf.reshape(mask, tf.stack([tf.shape(mask)[0], 1, 1, tf.shape(mask)[1]]))
        return (1.0 - mask) * -10000.0


@dataclasses.dataclass
class BertLayers:
    """The layers of a BERT encoder, unconnected: `run` them on inputs (eagerly, or inside a
    `tf.function`) without building a functional model around them, which costs a second or two
    of tracing (`tfsenti.evaluation.explain` runs them on input embeddings).

    Example:
        >>> layers = BertLayers.of(BertConfig(vocab_size=100, hidden_size=32, num_layers=2,
        ...                                   num_heads=2, intermediate_size=64))
        >>> ids = tf.constant([[1, 7, 2]])
        >>> outputs = layers.run(layers.embeddings(ids, tf.zeros_like(ids)), tf.ones_like(ids))
        >>> pooled = layers.pooler(outputs[-1][:, 0])
        >>> len(outputs), outputs[-1].shape, len(layers.weights)
        (2, TensorShape([1, 3, 32]), 39)
    """

    embeddings: BertEmbeddings
    blocks: list[TransformerBlock]
    pooler: keras.layers.Dense

    @classmethod
    def of(cls, config: BertConfig) -> "BertLayers":
        """New layers of `config`'s sizes (weights created when first called)."""
        return cls(
            BertEmbeddings(config.vocab_size, config.hidden_size, config.max_position_embeddings,
                           config.type_vocab_size, config.dropout, config.layer_norm_eps, seed=0,
                           name="embeddings"),
            [TransformerBlock(config.hidden_size, config.num_heads, config.intermediate_size,
                              config.dropout, config.attention_dropout, config.layer_norm_eps,
                              seed=1000 * (i + 1), name=f"transformer_layer_{i}")
             for i in range(config.num_layers)],
            keras.layers.Dense(config.hidden_size, activation="tanh", name="pooler"))

    def run(self, embedded: tf.Tensor, input_mask: tf.Tensor) -> list[tf.Tensor]:
        """The transformer blocks on embedded inputs [batch, seq, hidden] (`input_mask` [batch,
        seq]): each block's output, the last being the sequence output."""
        x, bias, outputs = embedded, AttentionBias(name="attention_bias")(input_mask), []
        for block in self.blocks:
            x = block(x, bias)
            outputs.append(x)
        return outputs

    @property
    def weights(self) -> list[tf.Variable]:
        """Every layer's weights (those of layers not yet called are not created yet)."""
        return [w for layer in (self.embeddings, *self.blocks, self.pooler) for w in layer.weights]


def build_bert_encoder(config: BertConfig) -> keras.Model:
    """A functional tf_keras BERT encoder with the TF-Hub input and output dicts.

    Args:
        config: the encoder sizes.

    Returns:
        A model mapping `{input_word_ids, input_mask, input_type_ids}` (int32 [batch, seq]) to
        `{pooled_output, sequence_output, encoder_outputs, default}`.

    Example:
        >>> cfg = BertConfig(vocab_size=100, hidden_size=32, num_layers=2, num_heads=2,
        ...                  intermediate_size=64)
        >>> encoder = build_bert_encoder(cfg)
        >>> ids = tf.constant([[1, 7, 2, 0]])
        >>> out = encoder({"input_word_ids": ids, "input_mask": tf.sign(ids),
        ...                "input_type_ids": tf.zeros_like(ids)})
        >>> out["sequence_output"].shape, len(out["encoder_outputs"])
        (TensorShape([1, 4, 32]), 2)
    """
    inputs = {name: keras.Input(shape=(None,), dtype=tf.int32, name=name) for name in INPUT_NAMES}
    layers = BertLayers.of(config)
    embedded = layers.embeddings(inputs["input_word_ids"], inputs["input_type_ids"])
    encoder_outputs = layers.run(embedded, inputs["input_mask"])
    x = encoder_outputs[-1]
    pooled = layers.pooler(x[:, 0, :])
    outputs = {"pooled_output": pooled, "sequence_output": x,
               "encoder_outputs": encoder_outputs, "default": pooled}
    return keras.Model(inputs=inputs, outputs=outputs, name="bert_encoder")


def save_encoder(encoder: keras.Model, folder: str | Path) -> None:
    """Save `encoder` as a TF-Hub reusable SavedModel: `__call__(inputs, training=...)` traced for
    int32 [batch, seq] inputs with and without dropout, plus `variables`, `trainable_variables`
    and `regularization_losses`, which is all `hub.KerasLayer` uses. Unlike `encoder.save`, no
    per-layer Keras traces are written: the graph is less than half the size and loads about 3x
    faster, and every classifier that embeds the encoder saves and loads it that much lighter.

    Example:
        >>> import tempfile, tensorflow_hub as hub
        >>> cfg = BertConfig(vocab_size=100, hidden_size=32, num_layers=2, num_heads=2,
        ...                  intermediate_size=64)
        >>> encoder, folder = build_bert_encoder(cfg), tempfile.mkdtemp()
        >>> save_encoder(encoder, folder)
        >>> layer = hub.KerasLayer(folder, trainable=True)
        >>> ids = tf.constant([[1, 7, 2]])
        >>> inputs = {"input_word_ids": ids, "input_mask": tf.sign(ids), "input_type_ids": 0 * ids}
        >>> difference = layer(inputs)["pooled_output"] - encoder(inputs)["pooled_output"]
        >>> float(tf.reduce_max(tf.abs(difference))) < 1e-5
        True
    """
    module = tf.train.Checkpoint()  # tracks the variables, not the Keras model and its traces
    module.variables = list(encoder.variables)
    module.trainable_variables = list(encoder.trainable_variables)
    module.regularization_losses = []
    call = tf.function(lambda inputs, training=False: encoder(inputs, training=training),
                       autograph=False)
    spec = {name: tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES}
    for training in (False, True):
        call.get_concrete_function(spec, training=training)
    module.__call__ = call
    tf.saved_model.save(module, str(folder))
