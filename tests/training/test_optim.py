"""The BERT recipe's schedule and AdamW."""

import pytest
import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.training.optim import WarmupLinearDecay, make_optimizer


def test_schedule_warms_up_linearly_then_decays_to_zero():
    schedule = WarmupLinearDecay(5e-5, warmup_steps=10, total_steps=100)
    values = [float(schedule(s)) for s in (0, 5, 10, 55, 100, 120)]
    assert values == pytest.approx([0.0, 2.5e-5, 5e-5, 2.5e-5, 0.0, 0.0])
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert float(clone(5)) == pytest.approx(2.5e-5)  # reloadable: no "Unknown decay"


def test_adamw_decays_kernels_but_not_layer_norm_or_bias():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.LayerNormalization(name="layer_norm")(inputs)))
    optimizer = make_optimizer(TrainConfig(lr=0.1, weight_decay=0.5, warmup=0.0), total_steps=10)
    assert optimizer.epsilon == 1e-6 and optimizer.global_clipnorm == 1.0
    before = {w.name: w.numpy().copy() for w in model.trainable_weights}
    for w in model.trainable_weights:
        w.assign(tf.ones_like(w))
    optimizer.apply_gradients([(tf.zeros_like(w), w) for w in model.trainable_weights])
    after = {w.name: float(tf.reduce_mean(w)) for w in model.trainable_weights}
    assert len(before) == 4
    for name, value in after.items():
        if "kernel" in name:
            assert value == pytest.approx(1 - 0.1 * 0.5)  # decoupled decay: w -= lr * wd * w
        else:  # layer_norm gamma/beta and the Dense bias
            assert value == pytest.approx(1.0), name
