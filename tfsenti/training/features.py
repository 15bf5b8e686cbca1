"""`--mode features`: embed every text once with the frozen encoder, fit a logistic-regression head.

The head is the classifier's own `classifier` Dense layer trained (with L2 on its kernel) on the
cached embeddings, then written back into the string model, so the export still maps raw strings
to probabilities. One pass of the encoder replaces every fine-tuning epoch; head epochs take
milliseconds. Embeddings are `pooled` (the encoder's pooler) or `mean` (`--pooling`).
"""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.data.pipeline import length_grouped_dataset
from tfsenti.data.texts import LabeledTexts
from tfsenti.modeling.classifier import num_outputs, packed_inputs_model
from tfsenti.modeling.text_inputs import tokenize_and_pack
from tfsenti.training.callbacks import KeepBestEpoch
from tfsenti.training.objectives import MONITOR, loss_and_metric

HEAD_EPOCHS = 100  # at most; early stopping on validation accuracy ends it sooner
HEAD_PATIENCE = 5
HEAD_BATCH = 256
HEAD_LR = 3e-3
HEAD_L2 = 1e-4
EMBED_BATCH = 128


def embed(model: keras.Model, data: LabeledTexts, seq_len: int,
          truncate: str = "head") -> tuple[np.ndarray, np.ndarray]:
    """(embeddings [N, hidden], labels [N] or [N, C]) of a classifier's pooling layer, in batches of
    similar length; rows come grouped by length, each with its own label."""
    features = packed_inputs_model(model, until="pooling")
    ids = tokenize_and_pack(data.texts, model.get_layer("preprocess").preprocessor, seq_len,
                            truncate, pairs=data.pairs)
    ds, _ = length_grouped_dataset(ids, data.labels, EMBED_BATCH, pairs=data.pairs is not None)
    vectors, labels = [], []
    for inputs, batch_labels in ds:
        vectors.append(tf.cast(features(inputs, training=False), tf.float32).numpy())
        labels.append(batch_labels.numpy())
    return np.concatenate(vectors), np.concatenate(labels)


def train_head_on_features(config: TrainConfig, model: keras.Model, train_data: LabeledTexts,
                           val_data: LabeledTexts, verbose: int = 1,
                           class_weight: dict[int, float] | None = None
                           ) -> tuple[keras.Model, dict]:
    """Fit the head of `model` (built with a frozen encoder) on cached embeddings, weighting the
    loss by `class_weight` (`tfsenti.training.objectives.class_weights`) if given.

    Returns (model, history) like `tfsenti.train`; history also holds `embed_seconds` and
    `head_seconds_per_epoch`.
    """
    start = time.perf_counter()
    train_x, train_y = embed(model, train_data, config.seq_len, config.truncate)
    val_x, val_y = embed(model, val_data, config.seq_len, config.truncate)
    embed_seconds = time.perf_counter() - start

    num_classes = len(train_data.class_names)
    head = keras.Sequential([keras.layers.Dense(
        num_outputs(num_classes, train_data.multilabel),
        kernel_regularizer=keras.regularizers.L2(HEAD_L2),
        input_shape=(train_x.shape[1],), dtype="float32")])
    loss, metric = loss_and_metric(num_classes, train_data.multilabel, config.label_smoothing)
    head.compile(optimizer=keras.optimizers.Adam(HEAD_LR), loss=loss, metrics=[metric])
    keep_best = KeepBestEpoch()
    start = time.perf_counter()
    head.fit(train_x, train_y, batch_size=HEAD_BATCH, epochs=HEAD_EPOCHS, shuffle=True,
             validation_data=(val_x, val_y), verbose=verbose,
             class_weight=class_weight,
             callbacks=[keep_best, keras.callbacks.EarlyStopping(MONITOR, mode="max",
                                                                 patience=HEAD_PATIENCE)])
    head_seconds = time.perf_counter() - start
    model.get_layer("classifier").set_weights(head.layers[0].get_weights())
    history = keep_best.history()
    history.update(steps=int(head.optimizer.iterations.numpy()),
                   trainable_params=int(head.count_params()),
                   embed_seconds=round(embed_seconds, 3),
                   head_seconds_per_epoch=round(head_seconds / len(keep_best.epochs), 4))
    return model, history


LOGISTIC_C = 1.0  # inverse L2 strength, as scikit-learn's LogisticRegression (SetFit's head)
LOGISTIC_ITERATIONS = 500
LOGISTIC_LR = 0.05


def fit_logistic_head(x: np.ndarray, labels: np.ndarray, num_classes: int,
                      c: float = LOGISTIC_C) -> list[np.ndarray]:
    """[kernel, bias] of the classifier's head fitted on embeddings `x` [N, hidden] to class
    indices `labels` [N] by L2-regularised logistic regression (full batch, to convergence, no
    validation data needed): the mean cross-entropy plus |kernel|^2 / (2 c N). One sigmoid logit
    for two classes, softmax logits for more.

    Example:
        >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
        >>> kernel, bias = fit_logistic_head(x, np.array([0, 0, 1, 1]), num_classes=2)
        >>> kernel.shape, ((x @ kernel + bias)[:, 0] > 0).tolist()
        ((2, 1), [False, False, True, True])
    """
    outputs = num_outputs(num_classes)
    loss_fn, _ = loss_and_metric(num_classes)
    features = tf.constant(x, tf.float32)
    targets = tf.constant(labels.reshape(-1, 1) if outputs == 1 else labels, tf.float32)
    kernel = tf.Variable(tf.zeros([x.shape[1], outputs]))
    bias = tf.Variable(tf.zeros([outputs]))
    optimizer = keras.optimizers.Adam(LOGISTIC_LR)
    penalty = 1.0 / (2.0 * c * len(x))

    @tf.function
    def fit():
        for _ in tf.range(LOGISTIC_ITERATIONS):
            with tf.GradientTape() as tape:
                loss = (loss_fn(targets, features @ kernel + bias)
                        + penalty * tf.reduce_sum(tf.square(kernel)))
            optimizer.apply_gradients(zip(tape.gradient(loss, [kernel, bias]), [kernel, bias]))

    fit()
    return [kernel.numpy(), bias.numpy()]
