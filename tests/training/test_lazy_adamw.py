"""LazyAdamW: looked-up embedding rows get AdamW's update, other rows are left alone."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from tfsenti.training.lazy_adamw import LazyAdamW


def _rows(values, indices, shape=(6, 3)):
    return tf.IndexedSlices(tf.constant(values, tf.float32), tf.constant(indices), tf.constant(shape))


def _pair(weights):
    """The same table under LazyAdamW and under tf_keras AdamW with the same settings."""
    settings = dict(learning_rate=0.01, weight_decay=0.1, epsilon=1e-6)
    return ((LazyAdamW(**settings), tf.Variable(weights)),
            (keras.optimizers.AdamW(**settings), tf.Variable(weights)))


def test_looked_up_rows_get_adamw_and_the_others_stay_put():
    weights = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    (lazy, table), (dense, reference) = _pair(weights)
    first = _rows([[1.0, -2.0, 0.5], [0.5, 0.5, 0.5], [3.0, 0.0, -1.0]], [1, 3, 1])  # row 1 twice
    lazy.apply_gradients([(first, table)])
    dense.apply_gradients([(tf.convert_to_tensor(first), reference)])  # duplicates summed
    np.testing.assert_allclose(table.numpy()[[1, 3]], reference.numpy()[[1, 3]], atol=1e-6)
    np.testing.assert_array_equal(table.numpy()[[0, 2, 4, 5]], weights[[0, 2, 4, 5]])
    assert not np.allclose(reference.numpy()[0], weights[0])  # dense AdamW decays every row

    after_first = table.numpy().copy()
    second = _rows([[1.0, 1.0, 1.0]], [4])
    lazy.apply_gradients([(second, table)])
    dense.apply_gradients([(tf.convert_to_tensor(second), reference)])
    np.testing.assert_array_equal(table.numpy()[[0, 1, 2, 3, 5]], after_first[[0, 1, 2, 3, 5]])
    # row 4's first update: decay, then Adam's step bias-corrected for the global step 2
    alpha = 0.01 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    step = alpha * (0.1 * 1.0) / (np.sqrt(0.001 * 1.0) + 1e-6)
    np.testing.assert_allclose(table.numpy()[4], weights[4] * (1 - 0.1 * 0.01) - step, atol=1e-6)
    assert not np.allclose(reference.numpy()[1], after_first[1])  # momentum moves it on densely


def test_dense_gradients_get_adamw_in_one_fused_op():
    weights = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    (lazy, table), (dense, reference) = _pair(weights)
    for step in range(3):
        gradient = tf.constant(np.random.default_rng(step).normal(size=(6, 3)), tf.float32)
        lazy.apply_gradients([(gradient, table)])
        dense.apply_gradients([(gradient, reference)])
    np.testing.assert_allclose(table.numpy(), reference.numpy(), rtol=1e-5)  # float rounding only


def test_excluded_tables_are_not_decayed():
    table = tf.Variable(tf.ones([4, 2]), name="layer_norm_table")
    optimizer = LazyAdamW(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["layer_norm"])
    optimizer.apply_gradients([(_rows([[1.0, 1.0]], [2], (4, 2)), table)])
    assert table.numpy()[2, 0] == pytest.approx(0.9)  # Adam's step only, no decay


def test_layer_decay_scales_each_layers_rate_and_weight_decay():
    rng = np.random.default_rng(2)
    names_and_scales = [("embeddings/word_embeddings/embeddings", 0.125),
                        ("transformer_layer_0/query/kernel", 0.25),
                        ("transformer_layer_1/query/kernel", 0.5), ("pooler/kernel", 1.0)]
    start = [rng.normal(size=(6, 3)).astype("float32") for _ in names_and_scales]
    variables = [tf.Variable(w, name=n) for w, (n, _) in zip(start, names_and_scales)]
    optimizer = LazyAdamW(learning_rate=0.01, weight_decay=0.1, epsilon=1e-6, layer_decay=0.5)
    references = [(keras.optimizers.AdamW(learning_rate=0.01 * scale, weight_decay=0.1,
                                          epsilon=1e-6), tf.Variable(w))
                  for w, (_, scale) in zip(start, names_and_scales)]
    for step in range(2):
        gradients = [tf.constant(rng.normal(size=(6, 3)), tf.float32) for _ in variables]
        gradients[0] = _rows(gradients[0].numpy()[:2], [1, 4])  # an embedding lookup
        optimizer.apply_gradients(zip(gradients, variables))
        for (reference_optimizer, reference), gradient in zip(references, gradients):
            reference_optimizer.apply_gradients([(tf.convert_to_tensor(gradient), reference)])
    np.testing.assert_allclose(variables[0].numpy()[[1, 4]], references[0][1].numpy()[[1, 4]],
                               rtol=1e-5)
    for variable, (_, reference) in zip(variables[1:], references[1:]):
        np.testing.assert_allclose(variable.numpy(), reference.numpy(), rtol=1e-5)
    assert LazyAdamW.from_config(optimizer.get_config()).layer_decay == 0.5


def test_the_weight_average_moves_every_eighth_step_with_a_warmed_up_decay():
    weight = tf.Variable([0.0])
    optimizer = LazyAdamW(learning_rate=0.1, use_ema=True, ema_momentum=0.6)
    expected, averages = 0.0, []
    for step in range(1, 25):
        optimizer.apply_gradients([(tf.constant([-1.0]), weight)])
        if step % 8 == 0:  # decay per step 0.5 at step 8 (warm-up: 9 / 18), then the cap 0.6
            momentum = min(0.6, (1 + step) / (10 + step)) ** 8
            expected = momentum * expected + (1 - momentum) * float(weight[0])
        averages.append((float(optimizer._model_variables_moving_average[0][0]), expected))
    np.testing.assert_allclose(*zip(*averages), rtol=1e-6)
    assert averages[7][0] > 0.0 and averages[8][0] == averages[7][0]
    assert optimizer.get_config()["ema_momentum"] == 0.6
