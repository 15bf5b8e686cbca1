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

With `windows` (`--long chunks`) a text becomes one row per window of its word pieces
(`tfsenti.modeling.truncation.window_pieces`), and the packed inputs carry `text_index`, the
text each row belongs to, for the classifier to pool the rows' logits by.
"""

from __future__ import annotations

import dataclasses

import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the ops of the preprocessor SavedModel)
import tf_keras as keras

from tfsenti.modeling.truncation import Windows, piece_splits, truncate_pieces, window_pieces
from tfsenti.progress import Progress

CHUNK = 1024  # texts tokenized per call


class TextToBertInputs(keras.layers.Layer):
    """Strings [batch] -> encoder inputs [batch, L] via a TF-Hub BERT preprocessor.

    L is `seq_len`, or with `pad_to_longest` the batch's longest text in tokens (plus [CLS] and
    [SEP]) capped at `seq_len`. Longer texts are cut as `truncate` says (`truncation`). The
    loaded preprocessor is tracked by the layer, so its vocabulary table is saved with the model.

    Called with `pairs` (strings [batch]) it packs each text with its pair as two segments.
    With `windows` it returns one row per window and `text_index` [rows], the text of each row.

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> layer = TextToBertInputs(hub.load(str(default_encoder_dir() / "preprocess")), 64)
        >>> layer(tf.constant(["a fine film", "dull"]))["input_word_ids"].shape
        TensorShape([2, 5])
        >>> layer(tf.constant(["a fine film"]), pairs=tf.constant(["film"]))["input_type_ids"].numpy()
        array([[0, 0, 0, 0, 0, 1, 1]], dtype=int32)
        >>> chunked = TextToBertInputs(layer.preprocessor, 4, windows=Windows(2, 1, most=8))
        >>> chunked(tf.constant(["a fine film", "dull"]))["text_index"].numpy()
        array([0, 0, 1], dtype=int32)
    """

    def __init__(self, preprocessor, seq_len: int, pad_to_longest: bool = True,
                 truncate: str = "head", windows: Windows | dict | None = None, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.preprocessor = preprocessor
        self.seq_len = seq_len
        self.pad_to_longest = pad_to_longest
        self.truncate = truncate
        self.windows = Windows(**windows) if isinstance(windows, dict) else windows

    def call(self, texts, pairs=None):
        segments, text_index = segment_pieces(self.preprocessor, texts, pairs, self.seq_len,
                                              self.truncate, self.windows)
        seq_length = tf.constant(self.seq_len, tf.int32)
        if self.pad_to_longest:
            lengths = tf.add_n([piece_counts(s) for s in segments])
            longest = tf.reduce_max(tf.concat([lengths, [0]], axis=0)) + len(segments) + 1
            seq_length = tf.minimum(longest, seq_length)
        packed = self.preprocessor.bert_pack_inputs(segments, seq_length=seq_length)
        return packed if text_index is None else {**packed, "text_index": text_index}

    def get_config(self):
        windows = None if self.windows is None else dataclasses.asdict(self.windows)
        return {**super().get_config(), "seq_len": self.seq_len, "pad_to_longest": self.pad_to_longest,
                "truncate": self.truncate, "windows": windows}


def piece_counts(pieces: tf.RaggedTensor) -> tf.Tensor:
    """The number of word pieces of each row of ragged [batch, words, pieces], int32 [batch]
    (from `piece_splits`).

    Example:
        >>> piece_counts(tf.ragged.constant([[[1], [2, 3]], [[4]]])).numpy()
        array([3, 1], dtype=int32)
    """
    splits = piece_splits(pieces)
    return tf.cast(splits[1:] - splits[:-1], tf.int32)


def segment_pieces(preprocessor, texts: tf.Tensor, pairs: tf.Tensor | None, seq_len: int,
                   truncate: str, windows: Windows | None = None
                   ) -> tuple[list[tf.RaggedTensor], tf.Tensor | None]:
    """(the segments `bert_pack_inputs` takes, the text of each row or None): the word pieces of
    `texts` cut as `truncate` says, or in `windows`, or those of `texts` and `pairs`."""
    if pairs is not None:
        return [preprocessor.tokenize(texts), preprocessor.tokenize(pairs)], None
    if windows is not None:
        chunks, text_index = window_pieces(preprocessor.tokenize(texts), windows)
        return [chunks], text_index
    return [truncate_pieces(preprocessor.tokenize(texts), seq_len - 2, truncate)], None


def pack_texts(preprocessor, texts: tf.Tensor, seq_len: int, truncate: str = "head",
               pairs: tf.Tensor | None = None, windows: Windows | None = None) -> tf.RaggedTensor:
    """The word ids of `texts` (strings [N]) with [CLS]/[SEP], cut to `seq_len` as `truncate`
    says, unpadded: ragged [N, (length)]; with `pairs`, each text and its pair as two segments
    (their type ids follow from the first [SEP]: `tfsenti.data.pipeline.encoder_inputs`); with
    `windows`, the windows of each text: ragged [N, (windows), (length)]. Eager or inside a
    tf.data map (`tfsenti.data.pipeline.streamed_dataset` tokenizes while the model trains).

    Example:
        >>> import tensorflow_hub as hub
        >>> from tfsenti.encoders.default import default_encoder_dir
        >>> preprocessor = hub.load(str(default_encoder_dir() / "preprocess"))
        >>> pack_texts(preprocessor, tf.constant(["a fine film", "dull"]), 128).row_lengths().numpy()
        array([5, 3])
        >>> pack_texts(preprocessor, tf.constant(["a fine film"]), 128, pairs=tf.constant(["film"])).to_list()
        [[101, 1037, 2986, 2143, 102, 2143, 102]]
        >>> pack_texts(preprocessor, tf.constant(["a fine film"]), 4, windows=Windows(2, 1, 8)).to_list()
        [[[101, 1037, 2986, 102], [101, 2986, 2143, 102]]]
    """
    segments, text_index = segment_pieces(preprocessor, texts, pairs, seq_len, truncate, windows)
    packed = preprocessor.bert_pack_inputs(segments, seq_length=tf.constant(seq_len))
    lengths = tf.reduce_sum(packed["input_mask"], axis=1)
    ids = tf.RaggedTensor.from_tensor(packed["input_word_ids"], lengths=lengths)
    if text_index is None:
        return ids
    return tf.RaggedTensor.from_value_rowids(ids, tf.cast(text_index, tf.int64),
                                             nrows=tf.shape(texts, out_type=tf.int64)[0])


def tokenize_and_pack(texts: list[str], preprocessor, seq_len: int, truncate: str = "head",
                      progress: bool = False, pairs: list[str] | None = None,
                      windows: Windows | None = None) -> tf.RaggedTensor:
    """`pack_texts` of a list of texts, `CHUNK` at a time: ragged [N, (length)] (or
    [N, (windows), (length)] with `windows`). `progress` draws a progress bar on stderr (on a
    terminal).

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
            chunk_pairs = None if pairs is None else tf.constant(pairs[start:start + CHUNK],
                                                                 dtype=tf.string)
            rows.append(pack_texts(preprocessor, tf.constant(chunk, dtype=tf.string), seq_len,
                                   truncate, chunk_pairs, windows))
            bar.update(len(chunk))
    if not rows:
        return tf.ragged.constant([], dtype=tf.int32, ragged_rank=1 if windows is None else 2)
    return tf.concat(rows, axis=0)
