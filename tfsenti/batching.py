"""The fast training input path: tokenize once, then batch texts of similar length.

Fixed padding to 128 spends most of the compute on padding for real sentiment text (SST-2
phrases average 13 tokens). Here every text is tokenized and packed once with the TF-Hub
preprocessor's own `tokenize` and `bert_pack_inputs` (so ids are exactly those of the exported
string model) and kept unpadded. Batches are cut from pools of `POOL_BATCHES` batches, each pool
sorted by length, so every batch holds texts of nearly one length and is padded only to its
longest member (Hugging Face's `group_by_length` does the same).

Example:
    >>> import tensorflow_hub as hub
    >>> from tfsenti.hub.default import default_encoder_dir
    >>> preprocessor = hub.load(str(default_encoder_dir() / "preprocess"))
    >>> ids = tokenize_and_pack(["a fine film", "dull"], preprocessor, seq_len=128)
    >>> ids.row_lengths().numpy()
    array([5, 3])
    >>> ds, steps = bucketed_dataset(ids, np.array([1, 0]), batch_size=32)
    >>> steps
    1
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from tfsenti.data import prefetched
from tfsenti.truncation import truncate_pieces

# Batches per length-sorted pool. On 2,048 SST-2 sentences (13.4 tokens each) pools of 64 batches
# pad to 13.8 tokens a sentence; fixed length buckets every 4 tokens padded to 15.8.
POOL_BATCHES = 64
CHUNK = 1024  # texts tokenized per call


def tokenize_and_pack(texts: list[str], preprocessor, seq_len: int,
                      truncate: str = "head") -> tf.RaggedTensor:
    """Word ids with [CLS]/[SEP], cut to `seq_len` as `truncate` says (`tfsenti.truncation`),
    unpadded: ragged [N, (length)]."""
    rows = []
    for start in range(0, len(texts), CHUNK):
        tokens = preprocessor.tokenize(tf.constant(texts[start:start + CHUNK], dtype=tf.string))
        tokens = truncate_pieces(tokens, seq_len - 2, truncate)
        packed = preprocessor.bert_pack_inputs([tokens], seq_length=tf.constant(seq_len))
        lengths = tf.reduce_sum(packed["input_mask"], axis=1)
        rows.append(tf.RaggedTensor.from_tensor(packed["input_word_ids"], lengths=lengths))
    if not rows:
        return tf.ragged.constant([], dtype=tf.int32, ragged_rank=1)
    return tf.concat(rows, axis=0)


def auto_seq_len(lengths: np.ndarray, max_len: int = 512) -> int:
    """`--seq-len auto`: the smallest multiple of 8 at least the 95th percentile of the texts'
    token lengths ([CLS] and [SEP] included), at most `max_len`.

    Example:
        >>> auto_seq_len(np.array([10] * 96 + [300] * 4)), auto_seq_len(np.array([900] * 10))
        (16, 512)
    """
    covering = int(np.ceil(np.percentile(lengths, 95))) if len(lengths) else 8
    return int(min(max_len, max(8, -(-covering // 8) * 8)))


def bucketed_dataset(word_ids: tf.RaggedTensor, labels: np.ndarray, batch_size: int,
                     shuffle: bool = False, seed: int = 0) -> tuple[tf.data.Dataset, int]:
    """(dataset of (encoder inputs, label) batches of similar length, batches per epoch).

    Texts (shuffled anew every epoch if `shuffle`) are taken `POOL_BATCHES` batches at a time;
    each pool is sorted by length and cut into batches, which are then shuffled. Every text comes
    once per epoch, in ceil(N / batch_size) batches.
    """
    lengths = word_ids.row_lengths().numpy().astype(np.int32)
    ds = tf.data.Dataset.from_tensor_slices((word_ids.to_tensor(), lengths, labels))
    if shuffle:
        ds = ds.shuffle(len(lengths), seed=seed, reshuffle_each_iteration=True)

    def sort_by_length(ids, length, label):
        order = tf.argsort(length, stable=True)
        return tf.gather(ids, order), tf.gather(length, order), tf.gather(label, order)

    ds = ds.batch(POOL_BATCHES * batch_size).map(sort_by_length).unbatch()
    ds = ds.map(lambda ids, length, label: (ids[:length], length, label)).padded_batch(batch_size)
    if shuffle:
        ds = ds.shuffle(POOL_BATCHES, seed=seed + 1, reshuffle_each_iteration=True)

    def to_inputs(ids, length, label):
        mask = tf.sequence_mask(length, tf.shape(ids)[1], dtype=tf.int32)
        return {"input_word_ids": ids, "input_mask": mask,
                "input_type_ids": tf.zeros_like(ids)}, label

    return prefetched(ds.map(to_inputs)), math.ceil(len(lengths) / batch_size)
