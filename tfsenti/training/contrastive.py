"""The contrastive stage of a small-data run: pull the embeddings of same-class texts together and
push different classes apart before the head is trained (SetFit, Tunstall et al. 2022).

Pairs of training texts are labelled 1 (same class) or 0 (different classes); the encoder is
fine-tuned so that the cosine similarity of the pair's mean-pooled embeddings regresses onto that
label (sentence-transformers' `CosineSimilarityLoss`). With N texts there are N(N-1)/2 pairs;
`contrastive_pairs` takes them all when they fit the stage's budget of pairs, the rarer kind drawn
again until both kinds are equally many (SetFit's default "oversampling"), and a balanced random
draw when they do not.

Texts are tokenized once; each step gathers the word ids of the distinct texts of its pairs into one
batch, so every text goes through the encoder once per step, whichever side of however many of the
step's pairs it is on: with 28 training texts a step of 16 pairs encodes about 19 of them instead
of 32 (the same loss and gradient, each text with one dropout mask per step).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.data.pipeline import encoder_inputs
from tfsenti.data.texts import LabeledTexts
from tfsenti.encoders.bert import INPUT_NAMES
from tfsenti.modeling.classifier import packed_inputs_model
from tfsenti.modeling.text_inputs import tokenize_and_pack
from tfsenti.training.optim import WarmupLinearDecay, make_optimizer

log = logging.getLogger(__name__)

PAIR_BATCH = 16  # pairs per step, as SetFit's default
STAGE_LR = 5e-5  # SetFit: 2e-5; on SST-2 at 16 texts per class 5e-5 scored 1.9 points more (3 draws)
STAGE_WARMUP = 0.1
STAGE_WEIGHT_DECAY = 0.01


def contrastive_pairs(labels: np.ndarray, max_pairs: int, seed: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first, second, target) of the pairs of a stage: indices into `labels` and 1.0 where the
    two texts share their class, else 0.0; equally many of each kind, shuffled, at most
    `max_pairs` (rounded down to an even number).

    Example:
        >>> first, second, target = contrastive_pairs(np.array([0, 0, 0, 1, 1, 1]), 100, seed=0)
        >>> len(target), int(target.sum()), bool(np.all(first != second))
        (18, 9, True)
        >>> len(contrastive_pairs(np.arange(40) % 2, 10, seed=0)[2])
        10
    """
    rng = np.random.default_rng(seed)
    first, second = np.triu_indices(len(labels), k=1)
    same = labels[first] == labels[second]
    positive, negative = np.flatnonzero(same), np.flatnonzero(~same)
    if len(positive) == 0 or len(negative) == 0:
        raise ValueError("contrastive pairs need two classes, each with two or more texts")
    each = min(max(len(positive), len(negative)), max_pairs // 2)
    chosen = np.concatenate([_draw(positive, each, rng), _draw(negative, each, rng)])
    chosen = rng.permutation(chosen)
    return first[chosen], second[chosen], same[chosen].astype(np.float32)


def _draw(pool: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` members of `pool`: all of them (repeated as needed) when it has no more, else a
    sample without repeats."""
    if count <= len(pool):
        return rng.choice(pool, count, replace=False)
    return np.concatenate([np.tile(pool, count // len(pool)),
                           rng.choice(pool, count % len(pool), replace=False)])


def pair_batches(ids: tf.RaggedTensor, first: np.ndarray, second: np.ndarray, target: np.ndarray,
                 pairs: bool = False, batch_size: int = PAIR_BATCH) -> tf.data.Dataset:
    """Batches of (encoder inputs [U, length] of the U distinct texts of B pairs, positions [2B]:
    the row of each pair's first text, then of each second one, targets [B]) from word ids
    ragged [N, (length)] (with `pairs`: text pairs packed as two segments) and pair indices.

    Example:
        >>> ids = tf.ragged.constant([[101, 7, 102], [101, 8, 9, 102], [101, 5, 102]])
        >>> batch = next(iter(pair_batches(ids, np.array([0, 1]), np.array([1, 0]),
        ...                                np.array([1.0, 1.0], np.float32))))
        >>> inputs, positions, y = batch
        >>> inputs["input_word_ids"].shape.as_list(), positions.numpy().tolist()
        ([2, 4], [0, 1, 1, 0])
    """
    ds = tf.data.Dataset.from_tensor_slices((first.astype(np.int64), second.astype(np.int64),
                                             target)).batch(batch_size)

    @tf.autograph.experimental.do_not_convert
    def distinct(a, b, y):
        texts, positions = tf.unique(tf.concat([a, b], 0), out_idx=tf.int32)
        return encoder_inputs(tf.gather(ids, texts), pairs), positions, y

    return ds.map(distinct).prefetch(2)


def contrastive_stage(model: keras.Model, data: LabeledTexts, seq_len: int, truncate: str,
                      max_pairs: int, seed: int, lr: float = STAGE_LR,
                      deadline: float | None = None) -> dict:
    """Fine-tune the encoder of `model` (a classifier with `mean` pooling) on pairs of `data`'s
    examples, by AdamW at peak rate `lr` with warmup and linear decay over the stage; stop early
    at `deadline` (a `time.monotonic()` value) if given. Returns the stage's record: {"pairs",
    "steps" (taken), "seconds", "loss"} (the mean loss of the last tenth of its steps).

    Example:
        >>> from tfsenti import DEMO_DATA, TrainConfig, build_classifier, load_dataset
        >>> model = build_classifier(TrainConfig(seq_len=32, pooling="mean"), num_classes=2)
        >>> data = load_dataset(DEMO_DATA / "train").head_per_class(4)
        >>> record = contrastive_stage(model, data, 32, "head", max_pairs=32, seed=0)
        >>> record["pairs"], record["steps"]
        (32, 2)
    """
    start = time.monotonic()
    first, second, target = contrastive_pairs(data.labels, max_pairs, seed)
    steps = math.ceil(len(target) / PAIR_BATCH)
    schedule = WarmupLinearDecay(lr, int(STAGE_WARMUP * steps), steps)
    optimizer = make_optimizer(TrainConfig(weight_decay=STAGE_WEIGHT_DECAY), steps, schedule)
    embedder = packed_inputs_model(model, until="pooling")
    ids = tokenize_and_pack(data.texts, model.get_layer("preprocess").preprocessor, seq_len,
                            truncate, pairs=data.pairs)
    variables = embedder.trainable_variables
    spec = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[{name: spec for name in INPUT_NAMES},
                                  tf.TensorSpec([None], tf.int32), tf.TensorSpec([None], tf.float32)],
                 autograph=False)
    def step(inputs, positions, y):
        with tf.GradientTape() as tape:
            vectors = tf.math.l2_normalize(tf.cast(embedder(inputs, training=True), tf.float32), 1)
            u, v = tf.split(tf.gather(vectors, positions), 2)
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(u * v, axis=1) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    losses = []
    for inputs, positions, y in pair_batches(ids, first, second, target,
                                             pairs=data.pairs is not None):
        if deadline is not None and time.monotonic() > deadline:
            break
        losses.append(float(step(inputs, positions, y)))
    tail = losses[-max(1, len(losses) // 10):]
    record = {"pairs": int(len(target)), "steps": len(losses),
              "seconds": round(time.monotonic() - start, 1),
              "loss": round(float(np.mean(tail)), 4) if losses else None}
    log.info("contrastive stage: %d pairs of %d examples, %d of %d steps in %.0f s; loss %s at "
             "the end", record["pairs"], len(data), len(losses), steps, record["seconds"],
             record["loss"])
    return record
