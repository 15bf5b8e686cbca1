"""Length bucketing and dynamic padding keep the contract: same predictions, input order kept."""

import numpy as np
import pytest
import tensorflow as tf

from tfsenti.batching import bucketed_dataset, tokenize_and_pack
from tfsenti.config import TrainConfig
from tfsenti.export import Classifier
from tfsenti.model import build_classifier, packed_inputs_model
from varied_text import varied_sentences

TEXTS = varied_sentences(60, seed=5) + ["word " * 400, "", "a fine film"]


@pytest.fixture(scope="module")
def models(tiny_encoder):
    """(pad-to-longest model, fixed-length model) holding the same weights."""
    dynamic = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=64), 2)
    fixed = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=64, fixed_length=True), 2)
    fixed.set_weights(dynamic.get_weights())
    return dynamic, fixed


def test_padding_to_the_longest_text_predicts_like_fixed_length(models):
    dynamic, fixed = models
    texts = tf.constant(TEXTS)
    np.testing.assert_allclose(dynamic(texts).numpy(), fixed(texts).numpy(), atol=1e-5)
    short = tf.constant(["a fine film", "dull"])
    assert dynamic.get_layer("preprocess")(short)["input_word_ids"].shape == (2, 5)
    assert fixed.get_layer("preprocess")(short)["input_word_ids"].shape == (2, 64)


def test_packed_inputs_model_on_bucketed_batches_matches_the_string_model(models):
    dynamic, _ = models
    preprocessor = dynamic.get_layer("preprocess").preprocessor
    ids = tokenize_and_pack(TEXTS, preprocessor, seq_len=64)
    labels = np.arange(len(TEXTS))  # carry each text's index through the batching
    packed = packed_inputs_model(dynamic)
    got = np.zeros((len(TEXTS), 1), np.float32)
    ds, steps = bucketed_dataset(ids, labels, batch_size=8, shuffle=True, seed=3)
    batches = list(ds)
    assert len(batches) == steps
    for inputs, index in batches:
        lengths = inputs["input_mask"].numpy().sum(axis=1)
        assert inputs["input_word_ids"].shape[1] == lengths.max()  # padded to its longest only
        got[index.numpy()] = packed(inputs).numpy()
    assert sorted(np.concatenate([i.numpy() for _, i in batches]).tolist()) == labels.tolist()
    np.testing.assert_allclose(got, dynamic(tf.constant(TEXTS)).numpy(), atol=1e-5)


def test_batches_group_similar_lengths(models):
    preprocessor = models[0].get_layer("preprocess").preprocessor
    texts = ["short one"] * 80 + ["a much longer review " * 8] * 80
    ds, steps = bucketed_dataset(tokenize_and_pack(texts, preprocessor, 128), np.zeros(160), 16,
                                 shuffle=True, seed=0)
    widths = sorted(inputs["input_word_ids"].shape[1] for inputs, _ in ds)
    assert steps == 10 and widths == [4] * 5 + [34] * 5  # never mixed: 5 short, 5 long batches


def test_pools_sorted_by_length_leave_little_padding():
    sst2_like = np.random.default_rng(0).poisson(12, 5_000) + 3  # token lengths of short sentences
    ids = tf.RaggedTensor.from_row_lengths(tf.ones([int(sst2_like.sum())], tf.int32), sst2_like)
    ds, steps = bucketed_dataset(ids, np.arange(5_000), 32, shuffle=True, seed=0)
    batches = list(ds)
    padded = sum(int(tf.size(inputs["input_word_ids"])) for inputs, _ in batches)
    assert steps == len(batches) == 157  # ceil(5000 / 32)
    assert sorted(np.concatenate([i.numpy() for _, i in batches]).tolist()) == list(range(5_000))
    assert padded < 1.05 * sst2_like.sum()  # length buckets every 4 tokens padded these 10.5% more


def test_predict_sorts_by_length_internally_and_returns_input_order(models):
    dynamic, _ = models
    classifier = Classifier.from_model(dynamic, ["neg", "pos"])
    together = classifier.predict(TEXTS, batch_size=7)
    one_by_one = np.concatenate([classifier.predict([t]).probabilities for t in TEXTS])
    np.testing.assert_allclose(together.probabilities, one_by_one, atol=1e-5)
    assert together.labels == [["neg", "pos"][i] for i in one_by_one.argmax(axis=1)]
    assert classifier.predict([]).probabilities.shape == (0, 2)
