"""Strings -> BERT encoder inputs with a TF-Hub preprocessor: inside the model, and once ahead
of training.

`TextToBertInputs` is the classifier's first layer. It calls the preprocessor's `tokenize` and
`bert_pack_inputs` and pads each batch only to its longest text (capped at `seq_len`) instead of
always to `seq_len`: padding is masked out, so predictions are the same and short texts cost far
less. `tokenize_and_pack` applies the same steps to a whole training set once, unpadded, so the
ids the model trains on are exactly those of the exported string model.

Text pairs are packed as BERT's two segments, `[CLS] text [SEP] pair [SEP]` with type ids 0 then
1; when they are too long together, the preprocessor drops tokens from the end of the longer
segment first (round-robin), and `truncate` applies to single texts only.
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

    Called with `pairs` (strings [batch]) it packs each text with its pair as two segments.

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> layer = TextToBertInputs(hub.load(str(default_encoder_dir() / "preprocess")), 64)
        >>> layer(tf.constant(["a fine film", "dull"]))["input_word_ids"].shape
        TensorShape([2, 5])
        >>> layer(tf.constant(["a fine film"]), pairs=tf.constant(["film"]))["input_type_ids"].numpy()
        array([[0, 0, 0, 0, 0, 1, 1]], dtype=int32)
    """

    def __init__(self, preprocessor, seq_len: int, pad_to_longest: bool = True,
                 truncate: str = "head", **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.preprocessor = preprocessor
        self.seq_len = seq_len
        self.pad_to_longest = pad_to_longest
        self.truncate = truncate

    def call(self, texts, pairs=None):
        segments = segment_pieces(self.preprocessor, texts, pairs, self.seq_len, self.truncate)
        seq_length = tf.constant(self.seq_len, tf.int32)
        if self.pad_to_longest:
            lengths = tf.add_n([tf.cast(s.merge_dims(1, -1).row_lengths(), tf.int32)
                                for s in segments])
            longest = tf.reduce_max(tf.concat([lengths, [0]], axis=0)) + len(segments) + 1
            seq_length = tf.minimum(longest, seq_length)
        return self.preprocessor.bert_pack_inputs(segments, seq_length=seq_length)

    def get_config(self):
        return {**super().get_config(), "seq_len": self.seq_len, "pad_to_longest": self.pad_to_longest,
                "truncate": self.truncate}


def segment_pieces(preprocessor, texts: tf.Tensor, pairs: tf.Tensor | None, seq_len: int,
                   truncate: str) -> list[tf.RaggedTensor]:
    """The word pieces of `texts` (cut as `truncate` says), or of `texts` and `pairs`: the
    segments `bert_pack_inputs` takes."""
    if pairs is None:
        return [truncate_pieces(preprocessor.tokenize(texts), seq_len - 2, truncate)]
    return [preprocessor.tokenize(texts), preprocessor.tokenize(pairs)]


def tokenize_and_pack(texts: list[str], preprocessor, seq_len: int, truncate: str = "head",
                      progress: bool = False, pairs: list[str] | None = None) -> tf.RaggedTensor:
    """Word ids with [CLS]/[SEP], cut to `seq_len` as `truncate` says, unpadded: ragged
    [N, (length)]; with `pairs`, each text and its pair as two segments (their type ids follow
    from the first [SEP]: `tfsenti.data.pipeline.length_grouped_dataset`). `progress` draws a
    progress bar on stderr (on a terminal).

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> preprocessor = hub.load(str(default_encoder_dir() / "preprocess"))
        >>> tokenize_and_pack(["a fine film", "dull"], preprocessor, seq_len=128).row_lengths().numpy()
        array([5, 3])
        >>> tokenize_and_pack(["a fine film"], preprocessor, 128, pairs=["film"]).to_list()
        [[101, 1037, 2986, 2143, 102, 2143, 102]]
    """
    rows = []
    with Progress(len(texts), "tokenizing", enabled=progress and len(texts) > CHUNK) as bar:
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start:start + CHUNK]
            chunk_pairs = None if pairs is None else tf.constant(pairs[start:start + CHUNK],
                                                                 dtype=tf.string)
            segments = segment_pieces(preprocessor, tf.constant(chunk, dtype=tf.string),
                                      chunk_pairs, seq_len, truncate)
            packed = preprocessor.bert_pack_inputs(segments, seq_length=tf.constant(seq_len))
            lengths = tf.reduce_sum(packed["input_mask"], axis=1)
            rows.append(tf.RaggedTensor.from_tensor(packed["input_word_ids"], lengths=lengths))
            bar.update(len(chunk))
    if not rows:
        return tf.ragged.constant([], dtype=tf.int32, ragged_rank=1)
    return tf.concat(rows, axis=0)
