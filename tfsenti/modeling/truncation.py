"""Which tokens of a long text the model sees: `head`, `tail` or `head+tail` (`--truncate`).

BERT encoders read at most `seq_len` tokens, [CLS] and [SEP] included. `head` keeps the first
tokens (what every TF-Hub preprocessor does by itself); `tail` the last; `head+tail` a quarter of
the budget from the start and the rest from the end: at seq_len 512 the first 128 and last 382
word pieces, the best of the strategies compared by Sun et al. (2019), "How to Fine-Tune BERT for
Text Classification?", on IMDB, where reviews tend to end with their verdict.

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
    `pieces` unchanged: the preprocessor keeps the first pieces by itself."""
    if truncate == "head":
        return pieces
    flat = pieces.merge_dims(1, 2)
    lengths = flat.row_lengths()
    head = head_share(budget, truncate)
    positions = tf.ragged.range(lengths)
    keep = (positions < head) | (positions >= (lengths - (budget - head))[:, tf.newaxis])
    kept = tf.ragged.boolean_mask(flat, keep)
    return tf.RaggedTensor.from_nested_row_lengths(
        kept.flat_values, [kept.row_lengths(), tf.ones_like(kept.flat_values, tf.int64)])
