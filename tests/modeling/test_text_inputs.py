"""The classifier's string input layer: padding to the longest text predicts like fixed padding."""

import numpy as np
import tensorflow as tf

from varied_text import varied_sentences

TEXTS = varied_sentences(60, seed=5) + ["word " * 400, "", "a fine film"]


def test_padding_to_the_longest_text_predicts_like_fixed_length(tiny_classifiers):
    dynamic, fixed = tiny_classifiers
    texts = tf.constant(TEXTS)
    np.testing.assert_allclose(dynamic(texts).numpy(), fixed(texts).numpy(), atol=1e-5)
    short = tf.constant(["a fine film", "dull"])
    assert dynamic.get_layer("preprocess")(short)["input_word_ids"].shape == (2, 5)
    assert fixed.get_layer("preprocess")(short)["input_word_ids"].shape == (2, 64)
