"""Which tokens of a long text the model sees: `head`, `tail` or `head+tail` (`--truncate`), or
all of them in overlapping windows (`--long chunks`).

BERT encoders read at most `seq_len` tokens, [CLS] and [SEP] included. `head` keeps the first
tokens (what every TF-Hub preprocessor does by itself); `tail` the last; `head+tail` a quarter of
the budget from the start and the rest from the end: at seq_len 512 the first 128 and last 382
word pieces, the best of the strategies compared by Sun et al. (2019), "How to Fine-Tune BERT for
Text Classification?", on IMDB, where reviews tend to end with their verdict. `--long chunks`
instead cuts a text into windows of `seq_len` tokens that overlap, each read as a text of its own;
the classifier pools their logits (`tfsenti.modeling.classifier.WindowPooling`).

Truncation works on word pieces before the preprocessor's `bert_pack_inputs`, in core TensorFlow
ops, so the training input path and the exported string model cut texts identically and the
export still serves with the stock TF Serving ops (see `tfsenti.inference.serving`).

Example:
    >>> pieces = tf.ragged.constant([[[1], [2, 3], [4], [5], [6, 7], [8], [9]]])  # 9 pieces
    >>> truncate_pieces(pieces, budget=4, truncate="head+tail").merge_dims(1, 2).to_list()
    [[1, 7, 8, 9]]
    >>> truncate_pieces(pieces, budget=4, truncate="tail").merge_dims(1, 2).to_list()
    [[6, 7, 8, 9]]
"""

from __future__ import annotations

import dataclasses

import tensorflow as tf


def head_share(budget: int, truncate: str) -> int:
    """How many of `budget` word pieces come from the start of a long text.

    Example:
        >>> [head_share(510, t) for t in ("head", "tail", "head+tail")]
        [510, 0, 128]
    """
    return {"head": budget, "tail": 0, "head+tail": (budget + 3) // 4}[truncate]


def truncate_pieces(pieces: tf.RaggedTensor, budget: int, truncate: str) -> tf.RaggedTensor:
    """Word pieces ragged [batch, words, pieces] -> at most `budget` pieces per text, chosen by
    `truncate`, as ragged [batch, pieces, 1] (the shape `bert_pack_inputs` takes). `head` returns
    `pieces` unchanged: the preprocessor keeps the first pieces by itself.

    In dense core ops on the flat pieces (a row keeps at most `budget` of them): ragged masking
    would add about a thousand nodes of validation ops and shape assertions to every exported
    model's graph (a fifth of a small model's), paid for whenever a model is built, saved or
    loaded."""
    if truncate == "head":
        return pieces
    splits = piece_splits(pieces)
    lengths = splits[1:] - splits[:-1]
    flat = pieces.flat_values
    where = tf.range(tf.shape(flat, out_type=tf.int64)[0])
    row = tf.searchsorted(splits[1:], where, side="right")  # the text of each piece
    keep = _kept(where - tf.gather(splits, row), row, lengths, budget, head_share(budget, truncate))
    return _one_piece_per_word(tf.boolean_mask(flat, keep), tf.minimum(lengths, budget))


def piece_splits(pieces: tf.RaggedTensor) -> tf.Tensor:
    """Where each text's word pieces start and end among the flat pieces of ragged [batch, words,
    pieces]: int64 [batch + 1], read off the row splits, which traces faster than merging the
    two ragged dimensions.

    Example:
        >>> piece_splits(tf.ragged.constant([[[1], [2, 3]], [[4]]])).numpy()
        array([0, 3, 4])
    """
    return tf.gather(pieces.values.row_splits, pieces.row_splits)


@dataclasses.dataclass(frozen=True)
class Windows:
    """`--long chunks`: a text is read in windows of `size` word pieces whose starts lie `stride`
    pieces apart (they overlap when `stride < size`), at most `most` windows per text: of a longer
    text the first quarter of them and the last three quarters (as `head+tail` keeps pieces).

    Example:
        >>> Windows.for_seq_len(256, stride=None, most=4)
        Windows(size=254, stride=127, most=4)
    """

    size: int
    stride: int
    most: int

    @classmethod
    def for_seq_len(cls, seq_len: int, stride: int | None, most: int) -> "Windows":
        """Windows that fill `seq_len` tokens with [CLS] and [SEP]; `stride` None is half a window."""
        size = seq_len - 2
        return cls(size, stride or max(1, size // 2), most)


def window_pieces(pieces: tf.RaggedTensor, windows: Windows) -> tuple[tf.RaggedTensor, tf.Tensor]:
    """Word pieces ragged [batch, words, pieces] -> (the windows' pieces ragged [W, pieces, 1],
    the text each window comes from int32 [W]). Every text has at least one window (an empty
    text one empty window), and a text's windows come in order, texts in batch order.

    Example:
        >>> pieces = tf.ragged.constant([[[1], [2, 3], [4], [5], [6, 7], [8], [9]], [[4]]])
        >>> chunks, text = window_pieces(pieces, Windows(size=4, stride=2, most=8))
        >>> chunks.merge_dims(1, 2).to_list(), text.numpy().tolist()
        ([[1, 2, 3, 4], [3, 4, 5, 6], [5, 6, 7, 8], [7, 8, 9], [4]], [0, 0, 0, 0, 1])
        >>> window_pieces(pieces, Windows(size=4, stride=2, most=2))[0].merge_dims(1, 2).to_list()
        [[1, 2, 3, 4], [7, 8, 9], [4]]
    """
    flat = pieces.merge_dims(1, 2)
    lengths = flat.row_lengths()
    beyond_first = tf.maximum(lengths - windows.size, 0)
    count = 1 - (-beyond_first // windows.stride)  # 1 + ceil(beyond_first / stride)
    index = tf.ragged.range(count)
    keep = _kept(index.flat_values, index.value_rowids(), count, windows.most,
                 head_share(windows.most, "head+tail"))
    kept = tf.ragged.boolean_mask(index, index.with_flat_values(keep))
    text = kept.value_rowids()
    starts = kept.flat_values * windows.stride
    limits = tf.minimum(starts + windows.size, tf.gather(lengths, text))
    offsets = tf.gather(flat.row_splits, text)
    chosen = tf.gather(flat.flat_values, tf.ragged.range(offsets + starts, offsets + limits))
    return _one_piece_per_word(chosen.flat_values, chosen.row_lengths()), tf.cast(text, tf.int32)


def _kept(position: tf.Tensor, row: tf.Tensor, counts: tf.Tensor, budget: int, head: int
          ) -> tf.Tensor:
    """Which flat `position`s [P] (each within its `row` [P] of rows holding `counts` [N]) a
    budget of `budget` keeps: the first `head` and the last `budget - head` of a row (all of a
    row within the budget). Compared on the flat positions: a ragged comparison that broadcasts
    a row's count takes a third of a second to trace, and every model build, save and training
    run traces it again."""
    return (position < head) | (position >= tf.gather(counts - (budget - head), row))


def _one_piece_per_word(values: tf.Tensor, lengths: tf.Tensor) -> tf.RaggedTensor:
    """Pieces `values` [P] in rows of `lengths` [N] -> ragged [N, (pieces), 1]: the shape
    `bert_pack_inputs` takes."""
    return tf.RaggedTensor.from_nested_row_lengths(
        values, [lengths, tf.ones_like(values, tf.int64)],
        validate=False)  # consistent by construction; the checks cost time in every trace
