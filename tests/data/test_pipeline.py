"""Length-grouped batches and dynamic padding keep the contract: same predictions, input order
kept; texts tokenized inside the pipeline give the batches of texts tokenized ahead; batches are
reshuffled every epoch, in the order a shuffle buffer of the texts themselves gives."""

import numpy as np
import tensorflow as tf

from tfsenti.data.loaders import load_dataset
from tfsenti.data.pipeline import (_pools, length_grouped_dataset, streamed_dataset,
                                   string_dataset)
from tfsenti.modeling.classifier import packed_inputs_model
from tfsenti.modeling.text_inputs import pack_texts, tokenize_and_pack
from tfsenti.modeling.truncation import Windows
from varied_text import varied_sentences

TEXTS = varied_sentences(60, seed=5) + ["word " * 400, "", "a fine film"]


def test_packed_inputs_model_on_length_grouped_batches_matches_the_string_model(tiny_classifiers):
    dynamic, _ = tiny_classifiers
    preprocessor = dynamic.get_layer("preprocess").preprocessor
    ids = tokenize_and_pack(TEXTS, preprocessor, seq_len=64)
    labels = np.arange(len(TEXTS))  # carry each text's index through the batching
    packed = packed_inputs_model(dynamic)
    got = np.zeros((len(TEXTS), 1), np.float32)
    ds, steps = length_grouped_dataset(ids, labels, batch_size=8, shuffle=True, seed=3)
    batches = list(ds)
    assert len(batches) == steps
    for inputs, index in batches:
        lengths = inputs["input_mask"].numpy().sum(axis=1)
        assert inputs["input_word_ids"].shape[1] == lengths.max()  # padded to its longest only
        got[index.numpy()] = packed(inputs).numpy()
    assert sorted(np.concatenate([i.numpy() for _, i in batches]).tolist()) == labels.tolist()
    np.testing.assert_allclose(got, dynamic(tf.constant(TEXTS)).numpy(), atol=1e-5)


def test_batches_group_similar_lengths(tiny_classifiers):
    preprocessor = tiny_classifiers[0].get_layer("preprocess").preprocessor
    texts = ["short one"] * 80 + ["a much longer review " * 8] * 80
    ds, steps = length_grouped_dataset(tokenize_and_pack(texts, preprocessor, 128), np.zeros(160), 16,
                                 shuffle=True, seed=0)
    widths = sorted(inputs["input_word_ids"].shape[1] for inputs, _ in ds)
    assert steps == 10 and widths == [4] * 5 + [34] * 5  # never mixed: 5 short, 5 long batches


def test_pools_sorted_by_length_leave_little_padding():
    sst2_like = np.random.default_rng(0).poisson(12, 5_000) + 3  # token lengths of short sentences
    ids = tf.RaggedTensor.from_row_lengths(tf.ones([int(sst2_like.sum())], tf.int32), sst2_like)
    ds, steps = length_grouped_dataset(ids, np.arange(5_000), 32, shuffle=True, seed=0)
    batches = list(ds)
    padded = sum(int(tf.size(inputs["input_word_ids"])) for inputs, _ in batches)
    assert steps == len(batches) == 157  # ceil(5000 / 32)
    assert sorted(np.concatenate([i.numpy() for _, i in batches]).tolist()) == list(range(5_000))
    assert padded < 1.05 * sst2_like.sum()  # length buckets every 4 tokens padded these 10.5% more


def test_dataset_is_batched_and_reshuffled_each_epoch(small_reviews):
    ds = string_dataset(load_dataset(small_reviews / "train"), batch_size=16, shuffle=True, seed=1)
    texts, labels = next(iter(ds))
    assert texts.shape == (16,) and labels.shape == (16,)
    first = [t.numpy() for t, _ in ds]
    second = [t.numpy() for t, _ in ds]
    assert not all((a == b).all() for a, b in zip(first, second))  # reshuffled every epoch


def _batches(ds):
    return [({k: v.numpy().tolist() for k, v in inputs.items()}, labels.numpy().tolist())
            for inputs, labels in ds]


def test_texts_tokenized_in_the_pipeline_give_the_batches_of_texts_tokenized_ahead(tiny_classifiers):
    preprocessor = tiny_classifiers[0].get_layer("preprocess").preprocessor
    texts = varied_sentences(700, seed=2)  # more than a pool of 64 batches of 8
    labels = np.arange(len(texts))

    def tokenize(batch):
        return pack_texts(preprocessor, batch, 32, "head+tail")

    streamed, steps = streamed_dataset(texts, labels, 8, tokenize, shuffle=True, seed=4)
    ahead, ahead_steps = length_grouped_dataset(tokenize_and_pack(texts, preprocessor, 32, "head+tail"),
                                                labels, 8, shuffle=True, seed=4)
    first, second = _batches(streamed), _batches(streamed)
    assert steps == ahead_steps == len(first) == 88  # ceil(700 / 8)
    assert first == _batches(ahead)  # the same batches in the same order
    assert sorted(i for _, index in first for i in index) == labels.tolist()  # each text once
    assert first != second  # reshuffled every epoch


def test_pairs_and_windows_tokenized_in_the_pipeline(tiny_classifiers):
    preprocessor = tiny_classifiers[0].get_layer("preprocess").preprocessor
    texts, pairs = varied_sentences(20, seed=6), varied_sentences(20, seed=7)
    ds, _ = streamed_dataset(texts, np.arange(20), 4,
                             lambda t, p: pack_texts(preprocessor, t, 64, pairs=p), pairs=pairs)
    ahead, _ = length_grouped_dataset(tokenize_and_pack(texts, preprocessor, 64, pairs=pairs),
                                      np.arange(20), 4, pairs=True)
    assert _batches(ds) == _batches(ahead)
    windows = Windows(6, 3, 4)
    ds, _ = streamed_dataset(TEXTS, np.arange(len(TEXTS)), 4,
                             lambda t: pack_texts(preprocessor, t, 8, windows=windows), chunked=True)
    ahead, _ = length_grouped_dataset(tokenize_and_pack(TEXTS, preprocessor, 8, windows=windows),
                                      np.arange(len(TEXTS)), 4)
    assert _batches(ds) == _batches(ahead)
    assert max(max(inputs["text_index"]) for inputs, _ in _batches(ds)) == 3  # 4 texts a batch


def test_pools_come_in_the_order_of_a_shuffle_buffer_of_the_rows_every_pass():
    """The buffer holds row numbers, and the rows are gathered by them: a pass must take the
    rows in the order that a buffer of the rows themselves gives with the same seed."""
    texts, labels = varied_sentences(300, seed=1), np.arange(300) % 3
    pools = _pools((tf.constant(texts), tf.constant(labels)), 64, shuffle=True, seed=11)
    rows = tf.data.Dataset.from_tensor_slices((texts, labels))
    expected = rows.shuffle(300, seed=11, reshuffle_each_iteration=True).batch(64)
    passes = []
    for _ in range(2):
        got = [(t.numpy().tolist(), y.numpy().tolist()) for t, y in pools]
        assert got == [(t.numpy().tolist(), y.numpy().tolist()) for t, y in expected]
        assert sorted(text for batch, _ in got for text in batch) == sorted(t.encode() for t in texts)
        passes.append(got)
    assert passes[0] != passes[1]  # a new order each pass
