"""`LazyAdamW`: AdamW that updates only the embedding rows a batch looks up.

An embedding lookup's gradient is row-sparse (`tf.IndexedSlices`): a batch of SST-2 sentences
touches a few hundred of the 30,522 word-embedding rows. tf_keras' AdamW still decays the whole
table's moments, applies weight decay to every row and rewrites the whole table on every step:
with MiniLM-L6 that is half of the 22.7M weights the optimizer reads and writes per step.
LazyAdamW updates the moments, the weight decay and the weights of the looked-up rows only,
like `LazyAdam` of TensorFlow Addons and TF1's `LazyAdamOptimizer`; rows a batch does not touch
keep their moments until a batch touches them.

Dense gradients get tf_keras' AdamW update (weight decay, then Adam's step), with Adam's step in
one fused kernel per variable (`ResourceApplyAdam`, the kernel of Keras 2's legacy Adam: the
same formula as tf_keras' update, equal to it up to float rounding) instead of about ten
separate element-wise passes over each weight and its moments.

With `layer_decay` below 1 the learning rate (and with it the weight decay) shrinks layer by layer
from the top of the encoder down, as in ELECTRA and BEiT fine-tuning: the pooler and the head get
the full rate, transformer block i of L gets `layer_decay ** (L - i)` of it, the embeddings
`layer_decay ** (L + 1)`. Lower layers hold the more general features and move less.

With `use_ema=True` (`--ema DECAY`) it keeps tf_keras' moving average of the weights, updated
every `EMA_EVERY` steps rather than every step (one update reads and writes every weight
twice, several times the work of a lazy Adam step on the embedding table). Its decay per step is
`min(DECAY, (1 + t) / (10 + t))` at step t, the warm-up of TensorFlow's
`ExponentialMovingAverage(num_updates=t)`: the average holds about the last tenth of a run's
steps (at most about 1 / (1 - DECAY)), so a short run does not average in the pretrained weights
it started from.
"""

from __future__ import annotations

import tensorflow as tf
import tf_keras as keras

from tfsenti.modeling.freezing import block_index

EMA_EVERY = 8  # steps between updates of the weight average


@keras.utils.register_keras_serializable(package="tfsenti")
class LazyAdamW(keras.optimizers.AdamW):
    """AdamW whose update of a variable with a row-sparse gradient touches only those rows.

    Example:
        >>> table = tf.Variable(tf.ones([4, 2]))
        >>> optimizer = LazyAdamW(learning_rate=0.1, weight_decay=0.5)
        >>> rows = tf.IndexedSlices(tf.ones([1, 2]), tf.constant([2]), tf.constant([4, 2]))
        >>> _ = optimizer.apply_gradients([(rows, table)])
        >>> [round(float(w), 3) for w in table[:, 0]]  # row 2: decay 0.1 * 0.5, then Adam's step 0.1
        [1.0, 1.0, 0.85, 1.0]
    """

    def __init__(self, *args, layer_decay: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("LazyAdamW does not implement amsgrad")
        self.layer_decay = layer_decay
        self._row_sparse: set[str] = set()
        self._lr_scales: dict[str, float] = {}

    def build(self, var_list):
        super().build(var_list)
        if self.layer_decay != 1.0:
            self._lr_scales = {self._var_key(v): scale
                               for v, scale in zip(var_list, layer_scales(var_list,
                                                                          self.layer_decay))}

    def get_config(self):
        return {**super().get_config(), "layer_decay": self.layer_decay,
                "ema_momentum": self._ema_decay}

    @property
    def ema_momentum(self) -> tf.Tensor:
        """The momentum of the weight average's next update (`EMA_EVERY` steps of decay)."""
        step = tf.cast(self.iterations + 1, tf.float32)
        return tf.minimum(self._ema_decay, (1.0 + step) / (10.0 + step)) ** EMA_EVERY

    @ema_momentum.setter
    def ema_momentum(self, decay: float) -> None:  # tf_keras' __init__ sets it
        self._ema_decay = decay

    def _update_model_variables_moving_average(self, var_list):
        update = super()._update_model_variables_moving_average
        tf.cond((self.iterations + 1) % EMA_EVERY == 0, lambda: update(var_list), lambda: None)

    def _scaled_lr(self, variable) -> tf.Tensor:
        """The learning rate of `variable`: the schedule's, times its layer's scale."""
        lr = tf.cast(self.learning_rate, variable.dtype)
        scale = self._lr_scales.get(self._var_key(variable), 1.0)
        return lr if scale == 1.0 else lr * scale

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """tf_keras' apply_gradients; `kwargs` such as `skip_gradients_aggregation` (which
        `LossScaleOptimizer` passes under mixed_float16) go on to it."""
        grads_and_vars = list(grads_and_vars)
        # Weight decay runs before the updates, on whole variables: row-sparse ones are decayed
        # in `update_step` instead, on their looked-up rows.
        self._row_sparse = {self._var_key(v) for g, v in grads_and_vars
                            if isinstance(g, tf.IndexedSlices)}
        return super().apply_gradients(grads_and_vars, name, **kwargs)

    def _use_weight_decay(self, variable) -> bool:
        # tf_keras decays with the unscaled rate: variables with a layer scale are decayed in
        # `update_step` instead
        key = self._var_key(variable)
        return (key not in self._row_sparse and key not in self._lr_scales
                and super()._use_weight_decay(variable))

    def update_step(self, gradient, variable):
        if not isinstance(gradient, tf.IndexedSlices):
            return self._fused_dense_update(gradient, variable)
        # `apply_gradients` has summed repeated rows (tf_keras `_deduplicate_sparse_grad`); tf.gather
        # reads only those rows of a plain variable (`sparse_read`), all of a mirrored one
        rows, grad = gradient.indices, gradient.values
        dtype = variable.dtype
        lr = self._scaled_lr(variable)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
        index = self._index_dict[self._var_key(variable)]
        m, v = self._momentums[index], self._velocities[index]
        m_rows = tf.gather(m, rows) * beta_1 + grad * (1 - beta_1)
        v_rows = tf.gather(v, rows) * beta_2 + tf.square(grad) * (1 - beta_2)
        m.scatter_update(tf.IndexedSlices(m_rows, rows))
        v.scatter_update(tf.IndexedSlices(v_rows, rows))
        weights = tf.gather(variable, rows)
        if super()._use_weight_decay(variable):
            weights -= weights * tf.cast(self.weight_decay, dtype) * lr
        weights -= alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon)
        variable.scatter_update(tf.IndexedSlices(weights, rows))

    def _fused_dense_update(self, gradient, variable):
        """tf_keras AdamW's dense `update_step` (m, v and the bias-corrected step) in one op."""
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        index = self._index_dict[self._var_key(variable)]
        lr = self._scaled_lr(variable)
        if self._var_key(variable) in self._lr_scales and super()._use_weight_decay(variable):
            variable.assign_sub(variable * tf.cast(self.weight_decay, dtype) * lr)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle, v=self._velocities[index].handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=lr, beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=gradient)


def layer_scales(variables, layer_decay: float) -> list[float]:
    """Each variable's share of the learning rate under layer-wise decay by `layer_decay`.

    Embeddings (names containing `embedding`) are layer 0, transformer block i is layer i + 1
    (`block_index`), everything else (pooler, head) is the top, L + 1 for L blocks.

    Example:
        >>> names = ["embeddings/word_embeddings/embeddings:0", "transformer_layer_0/query/kernel:0",
        ...          "transformer_layer_1/query/kernel:0", "pooler/kernel:0", "logits/kernel:0"]
        >>> [round(s, 3) for s in layer_scales([tf.Variable(0.0, name=n[:-2]) for n in names], 0.5)]
        [0.125, 0.25, 0.5, 1.0, 1.0]
    """
    blocks = [block_index(v.name) for v in variables]
    top = max((b for b in blocks if b is not None), default=-1) + 2
    depths = [0 if b is None and "embedding" in v.name else top if b is None else b + 1
              for v, b in zip(variables, blocks)]
    return [layer_decay ** (top - d) for d in depths]
