"""Where an SST-2 training step's time goes: length-grouped batches vs fixed-shape batches of the
same token count, and the AdamW update alone.

    python benchmarks/step_anatomy.py [--examples 2048] [--embedding-updates lazy|dense]
                                                                (data: benchmarks/bench_data.py)

Run it under different environments or options to compare them in one process each, e.g.
`ONEDNN_PRIMITIVE_CACHE_CAPACITY=65536`, `TF_ENABLE_ONEDNN_OPTS=0` or `--embedding-updates dense`.
The optimizer update alone is timed on the gradients of one real batch.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
import tensorflow as tf

from bench_data import SST2
from tfsenti.config import TrainConfig
from tfsenti.data.pipeline import length_grouped_dataset
from tfsenti.modeling.classifier import build_classifier, packed_inputs_model
from tfsenti.modeling.text_inputs import tokenize_and_pack
from tfsenti.training.objectives import loss_and_metric
from tfsenti.training.optim import make_optimizer

BATCH = 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2048)
    parser.add_argument("--embedding-updates", default=TrainConfig.embedding_updates)
    args = parser.parse_args()
    n = args.examples
    rows = [line.split("\t") for line in (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    random.Random(0).shuffle(rows)
    texts, labels = [r[0] for r in rows[:n]], np.array([int(r[1]) for r in rows[:n]])

    config = TrainConfig(embedding_updates=args.embedding_updates)
    classifier = build_classifier(config, 2)
    model = packed_inputs_model(classifier)
    loss, metric = loss_and_metric(2)
    model.compile(optimizer=make_optimizer(config, 10_000), loss=loss, metrics=[metric])
    ids = tokenize_and_pack(texts, classifier.get_layer("preprocess").preprocessor, config.seq_len)
    grouped, steps = length_grouped_dataset(ids, labels, BATCH, shuffle=True, seed=0)
    shapes = [tuple(x["input_word_ids"].shape) for x, _ in grouped]
    padded = sum(a * b for a, b in shapes) / n
    print(f"{steps} batches of {len(set(shapes))} distinct shapes; tokens per sentence: "
          f"{padded:.1f} padded, {ids.row_lengths().numpy().mean():.1f} true")

    def timed(dataset: tf.data.Dataset, label: str) -> None:
        start = time.perf_counter()
        model.fit(dataset, epochs=1, verbose=0)
        seconds = time.perf_counter() - start
        print(f"{label}: {seconds / steps * 1000:.0f} ms/step, {n / seconds:.0f} ex/s", flush=True)

    timed(grouped, "length-grouped, first pass (new shapes)")
    timed(grouped, "length-grouped, second pass")
    length = round(padded)
    ones = tf.ones([BATCH, length], tf.int32)
    fixed = tf.data.Dataset.from_tensors(
        ({"input_word_ids": ones * 2000, "input_mask": ones, "input_type_ids": ones * 0},
         tf.ones([BATCH], tf.int64))).repeat(steps)
    model.fit(fixed.take(2), epochs=1, verbose=0)  # traces nothing new; warms the shape
    timed(fixed, f"fixed {BATCH} x {length}")

    optimizer, weights = model.optimizer, model.trainable_variables
    x, y = next(iter(grouped))
    with tf.GradientTape() as tape:
        batch_loss = loss(y, model(x, training=True))
    gradients = tape.gradient(batch_loss, weights)  # word embeddings: row-sparse IndexedSlices
    update = tf.function(lambda: optimizer.apply_gradients(zip(gradients, weights)))
    update()
    start = time.perf_counter()
    for _ in range(20):
        update()
    print(f"{type(optimizer).__name__} update of {sum(w.shape.num_elements() for w in weights):,} weights: "
          f"{(time.perf_counter() - start) / 20 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
