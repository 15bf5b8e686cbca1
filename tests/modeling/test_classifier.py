"""The classifier's pooling: mean over real tokens only."""

import numpy as np
import tensorflow as tf

from tfsenti.modeling.classifier import Pooling


def test_mean_pooling_averages_real_tokens_only():
    sequence = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    mask = tf.constant([[1, 1, 0], [1, 0, 0]])
    pooled = Pooling("mean")({"sequence_output": sequence, "pooled_output": sequence[:, 0]}, mask)
    np.testing.assert_allclose(pooled, [sequence[0, :2].numpy().mean(0), sequence[1, 0].numpy()])
