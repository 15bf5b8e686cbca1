"""Strings -> BERT encoder inputs with a TF-Hub preprocessor: inside the model, and once ahead
of training.

`TextToBertInputs` is the classifier's first layer. It calls the preprocessor's `tokenize` and
`bert_pack_inputs` and pads each batch only to its longest text (capped at `seq_len`) instead of
always to `seq_len`: padding is masked out, so predictions are the same and short texts cost far
less. `tokenize_and_pack` applies the same steps to a whole training set once, unpadded, so the
ids the model trains on are exactly those of the exported string model.
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the ops of the preprocessor SavedModel)
import tf_keras as keras

from tfsenti.modeling.truncation import truncate_pieces
from tfsenti.progress import Progress

CHUNK = 1024  # texts tokenized per call


class TextToBertInputs(keras.layers.Layer):
    """Strings [batch] -> encoder inputs [batch, L] via a TF-Hub BERT preprocessor.

    L is `seq_len`, or with `pad_to_longest` the batch's longest text in tokens (plus [CLS] and
    [SEP]) capped at `seq_len`. Longer texts are cut as `truncate` says (`truncation`). The
    loaded preprocessor is tracked by the layer, so its vocabulary table is saved with the model.

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> layer = TextToBertInputs(hub.load(str(default_encoder_dir() / "preprocess")), 64)
        >>> layer(tf.constant(["a fine film", "dull"]))["input_word_ids"].shape
        TensorShape([2, 5])
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


def tokenize_and_pack(texts: list[str], preprocessor, seq_len: int, truncate: str = "head",
                      progress: bool = False) -> tf.RaggedTensor:
    """Word ids with [CLS]/[SEP], cut to `seq_len` as `truncate` says, unpadded: ragged
    [N, (length)]. `progress` draws a progress bar on stderr (on a terminal).

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> preprocessor = hub.load(str(default_encoder_dir() / "preprocess"))
        >>> tokenize_and_pack(["a fine film", "dull"], preprocessor, seq_len=128).row_lengths().numpy()
        array([5, 3])
    """
    rows = []
    with Progress(len(texts), "tokenizing", enabled=progress and len(texts) > CHUNK) as bar:
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start:start + CHUNK]
            tokens = truncate_pieces(preprocessor.tokenize(tf.constant(chunk, dtype=tf.string)),
                                     seq_len - 2, truncate)
            packed = preprocessor.bert_pack_inputs([tokens], seq_length=tf.constant(seq_len))
            lengths = tf.reduce_sum(packed["input_mask"], axis=1)
            rows.append(tf.RaggedTensor.from_tensor(packed["input_word_ids"], lengths=lengths))
            bar.update(len(chunk))
    if not rows:
        return tf.ragged.constant([], dtype=tf.int32, ragged_rank=1)
    return tf.concat(rows, axis=0)
