"""tf.data input pipelines: length-grouped batches of token ids, batches of strings, prefetching.

Fixed padding to 128 spends most of the compute on padding for real sentiment text (SST-2
phrases average 13 tokens). The training path therefore cuts batches of unpadded word ids from
pools of `POOL_BATCHES` batches, each pool sorted by length, so every batch holds texts of nearly
one length and is padded only to its longest member (Hugging Face's `group_by_length` does the
same). `streamed_dataset`, the path of large training sets, tokenizes each pool inside the
pipeline while the model trains on the one before, so the first step does not wait for the whole
data to be tokenized; `length_grouped_dataset` batches ids tokenized ahead into the same batches.

Example:
    >>> ids = tf.ragged.constant([[101, 1037, 2986, 102], [101, 102], [101, 2204, 102]])
    >>> ds, steps = length_grouped_dataset(ids, np.array([1, 0, 1]), batch_size=2)
    >>> steps, [inputs["input_word_ids"].shape.as_list() for inputs, _ in ds]
    (2, [[2, 3], [1, 4]])
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from tfsenti.data.texts import LabeledTexts

# Batches per length-sorted pool: on 2,048 SST-2 sentences (13.4 tokens each) pools of 64
# batches pad to 13.8 tokens a sentence.
POOL_BATCHES = 64


def prefetched(ds: tf.data.Dataset, batches: int = 2) -> tf.data.Dataset:
    """`ds` prefetching `batches` batches, with tf.data's autotuning off.

    The autotuning thread kept the end of every pass over a dataset waiting up to 2.5 s (`fit`
    on 1,024 SST-2 sentences returned about 1 s after its last step; at once without it).
    Training batches are ready long before the step that needs them, so nothing is lost.

    Example:
        >>> [int(x) for x in prefetched(tf.data.Dataset.range(3))]
        [0, 1, 2]
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(batches).with_options(options)


def string_dataset(data: LabeledTexts, batch_size: int, shuffle: bool = False,
                   seed: int = 0) -> tf.data.Dataset:
    """Batched tf.data of (text, label), cached, shuffled each epoch if asked, prefetched: the
    input of a model that takes strings (`--fixed-length`, the TF tutorial's way). Text pairs
    come as ({"text": ..., "text_pair": ...}, label).

    Example:
        >>> data = LabeledTexts(["good", "bad", "fine"], np.array([1, 0, 1]), ["neg", "pos"], "x")
        >>> [texts.shape.as_list() for texts, _ in string_dataset(data, batch_size=2)]
        [[2], [1]]
    """
    texts = data.texts if data.pairs is None else {"text": data.texts, "text_pair": data.pairs}
    ds = tf.data.Dataset.from_tensor_slices((texts, data.labels)).cache()
    if shuffle:
        ds = ds.shuffle(len(data), seed=seed, reshuffle_each_iteration=True)
    return prefetched(ds.batch(batch_size))


def auto_seq_len(lengths: np.ndarray, max_len: int = 512) -> int:
    """`--seq-len auto`: the smallest multiple of 8 at least the 95th percentile of the texts'
    token lengths ([CLS] and [SEP] included), at most `max_len`.

    Example:
        >>> auto_seq_len(np.array([10] * 96 + [300] * 4)), auto_seq_len(np.array([900] * 10))
        (16, 512)
    """
    covering = int(np.ceil(np.percentile(lengths, 95))) if len(lengths) else 8
    return int(min(max_len, max(8, -(-covering // 8) * 8)))


def length_grouped_dataset(word_ids: tf.RaggedTensor, labels: np.ndarray, batch_size: int,
                           shuffle: bool = False, seed: int = 0,
                           pairs: bool = False) -> tuple[tf.data.Dataset, int]:
    """(dataset of (encoder inputs, label) batches of similar length, batches per epoch).

    Texts (shuffled anew every epoch if `shuffle`) are taken `POOL_BATCHES` batches at a time;
    each pool is sorted by length and cut into batches, which are then shuffled. Every text comes
    once per epoch, in ceil(N / batch_size) batches. With `pairs` the rows are packed text pairs
    and the tokens after the first [SEP] (the token each row ends with) get type id 1.

    `word_ids` ragged [N, (windows), (length)] (`--long chunks`) gives each text's windows as rows
    of its batch, texts sorted by their windows' total length, and the inputs carry `text_index`,
    the text of each row.

    Example:
        >>> pair = tf.ragged.constant([[101, 1037, 102, 2204, 102]])
        >>> inputs, _ = next(iter(length_grouped_dataset(pair, np.array([1]), 1, pairs=True)[0]))
        >>> inputs["input_type_ids"].numpy().tolist()
        [[0, 0, 0, 1, 1]]
        >>> windows = tf.ragged.constant([[[101, 1037, 102], [101, 2204, 102]], [[101, 102]]])
        >>> inputs, _ = next(iter(length_grouped_dataset(windows, np.array([1, 0]), 2)[0]))
        >>> inputs["input_word_ids"].shape.as_list(), inputs["text_index"].numpy().tolist()
        ([3, 3], [0, 1, 1])
    """
    chunked = word_ids.ragged_rank == 2
    sizes = (word_ids.merge_dims(1, 2) if chunked else word_ids).row_lengths()
    pools = _pools((word_ids, sizes, tf.constant(labels)), POOL_BATCHES * batch_size, shuffle, seed)
    batches = _batches_of_pools(pools, batch_size, shuffle, seed, pairs, chunked)
    return prefetched(batches), math.ceil(len(labels) / batch_size)


def streamed_dataset(texts: list[str], labels: np.ndarray, batch_size: int, tokenize: Callable,
                     shuffle: bool = False, seed: int = 0, pairs: list[str] | None = None,
                     chunked: bool = False) -> tuple[tf.data.Dataset, int]:
    """`length_grouped_dataset` of texts tokenized inside the pipeline, a pool at a time while
    the model trains: the first batch is ready as soon as one pool is tokenized, whatever the
    number of texts. The batches are exactly those of `length_grouped_dataset` on the texts
    tokenized ahead (same seed, same order); a validation set (`shuffle` off) is tokenized once
    and cached.

    `tokenize(texts)` (or `tokenize(texts, pairs)` with `pairs`) takes strings [n] and returns
    word ids ragged [n, (length)], or [n, (windows), (length)] when `chunked`
    (`tfsenti.modeling.text_inputs.pack_texts`).

    Example:
        >>> def words(texts):  # a word id per word
        ...     return tf.cast(tf.strings.to_hash_bucket_fast(tf.strings.split(texts), 99), tf.int32)
        >>> ds, steps = streamed_dataset(["a fine film", "dull", "so fine"], np.array([1, 0, 1]),
        ...                              batch_size=2, tokenize=words)
        >>> steps, [inputs["input_word_ids"].shape.as_list() for inputs, _ in ds]
        (2, [[2, 2], [1, 3]])
    """
    strings = tf.constant(texts) if pairs is None else (tf.constant(texts), tf.constant(pairs))

    @tf.autograph.experimental.do_not_convert
    def tokenized(text, label):
        ids = tokenize(*text) if pairs is not None else tokenize(text)
        return ids, (ids.merge_dims(1, 2) if chunked else ids).row_lengths(), label

    pools = _pools((strings, tf.constant(labels)), POOL_BATCHES * batch_size, shuffle, seed)
    pools = pools.map(tokenized).prefetch(1)
    batches = _batches_of_pools(pools, batch_size, shuffle, seed, pairs is not None, chunked)
    return prefetched(batches if shuffle else batches.cache()), math.ceil(len(labels) / batch_size)


def _pools(rows: tuple, size: int, shuffle: bool, seed: int) -> tf.data.Dataset:
    """`rows` (a tuple of tensors, ragged or not, one row per example) `size` rows at a time,
    every row once a pass, in a new random order each pass if `shuffle`.

    The shuffle buffer holds row numbers, not the rows: the order is the one a buffer of the
    rows gives with the same seed (it depends on the seed and the count only), and a million
    texts are not copied into it one by one (2.5 s and 450 MB before the first pool of a
    million 140-character texts; 1.1 s and 370 MB with their numbers, the strings' tensor
    included).

    Example:
        >>> pools = _pools((tf.constant(["a", "b", "c"]), tf.constant([1, 0, 1])), 2, False, 0)
        >>> [labels.numpy().tolist() for _, labels in pools]
        [[1, 0], [1]]
    """
    count = int(tf.nest.flatten(rows)[0].shape[0])
    order = tf.data.Dataset.range(count)
    if shuffle:
        order = order.shuffle(count, seed=seed, reshuffle_each_iteration=True)

    @tf.autograph.experimental.do_not_convert
    def gathered(index):
        return tf.nest.map_structure(lambda column: tf.gather(column, index), rows)

    return order.batch(size).map(gathered)


def _batches_of_pools(pools: tf.data.Dataset, batch_size: int, shuffle: bool, seed: int,
                      pairs: bool, chunked: bool) -> tf.data.Dataset:
    """Batches of encoder inputs cut from `pools` of (ids, sizes, labels): each pool sorted by
    size and cut into batches, then the batches shuffled if `shuffle`."""
    @tf.autograph.experimental.do_not_convert
    def sort_by_size(ids, size, label):
        order = tf.argsort(size, stable=True)
        return tf.gather(ids, order), tf.gather(size, order), tf.gather(label, order)

    ds = pools.map(sort_by_size).unbatch().ragged_batch(batch_size)
    if shuffle:
        ds = ds.shuffle(POOL_BATCHES, seed=seed + 1, reshuffle_each_iteration=True)

    @tf.autograph.experimental.do_not_convert
    def to_inputs(ids, size, label):
        inputs = encoder_inputs(ids.merge_dims(0, 1) if chunked else ids, pairs)
        if chunked:
            inputs["text_index"] = tf.cast(ids.value_rowids(), tf.int32)
        return inputs, label

    return ds.map(to_inputs)


def encoder_inputs(rows: tf.RaggedTensor, pairs: bool = False) -> dict[str, tf.Tensor]:
    """The encoder's padded inputs of word-id rows ragged [B, (length)]: with `pairs` the tokens
    after the first [SEP] (the token each row ends with) get type id 1.

    Example:
        >>> inputs = encoder_inputs(tf.ragged.constant([[101, 7, 102, 8, 102], [101, 102]]), True)
        >>> inputs["input_mask"].numpy().tolist(), inputs["input_type_ids"].numpy().tolist()
        ([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], [[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])
    """
    length = tf.cast(rows.row_lengths(), tf.int32)
    dense = rows.to_tensor()
    width = tf.shape(dense)[1]
    mask = tf.sequence_mask(length, width, dtype=tf.int32)
    type_ids = tf.zeros_like(dense)
    if pairs:
        sep = tf.gather(dense, length - 1, batch_dims=1)
        first_sep = tf.argmax(tf.cast(dense == sep[:, tf.newaxis], tf.int32), axis=1,
                              output_type=tf.int32)
        type_ids = tf.cast(tf.range(width)[tf.newaxis, :] > first_sep[:, tf.newaxis],
                           tf.int32) * mask
    return {"input_word_ids": dense, "input_mask": mask, "input_type_ids": type_ids}
