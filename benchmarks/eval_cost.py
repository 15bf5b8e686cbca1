"""What a validation batch costs against a training step: the ratio `--time-budget` reserves per
validation batch before it has timed an epoch end (`EVAL_COST` in tfsenti/training/callbacks.py).

    python benchmarks/eval_cost.py [--data imdb|sst2] [--examples 320] [--epochs 3]
                                                                (data: benchmarks/bench_data.py)

Trains the default encoder on `--examples` texts and validates on as many others after every epoch,
at the defaults' batch size and `--seq-len` 256, through the same length-grouped batches as
`tfsenti train`. Prints, for each epoch, the validation pass's seconds per batch over the median
training step (steps after the first three, which trace); the first epoch's pass includes tracing
the validation function.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
import tf_keras as keras

from bench_data import SST2, imdb_draw
from tfsenti import load_dataset
from tfsenti.config import TrainConfig
from tfsenti.data.pipeline import length_grouped_dataset
from tfsenti.modeling.classifier import build_classifier, packed_inputs_model
from tfsenti.modeling.text_inputs import tokenize_and_pack
from tfsenti.training.objectives import loss_and_metric
from tfsenti.training.optim import make_optimizer


class PassTimes(keras.callbacks.Callback):
    """Seconds of every training step and of every validation pass."""

    def __init__(self):
        super().__init__()
        self.steps: list[float] = []
        self.passes: list[float] = []
        self._started = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(time.perf_counter() - self._started)

    def on_test_begin(self, logs=None):
        self._started = time.perf_counter()

    def on_test_end(self, logs=None):
        self.passes.append(time.perf_counter() - self._started)


def texts_and_labels(data: str, count: int) -> tuple[list[str], np.ndarray]:
    if data == "imdb":
        texts, labels = imdb_draw(count)
        return texts, np.array(labels)
    dev = load_dataset(SST2 / "dev.tsv")
    order = list(range(len(dev)))
    random.Random(0).shuffle(order)
    return [dev.texts[i] for i in order[:count]], dev.labels[order[:count]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("imdb", "sst2"), default="imdb")
    parser.add_argument("--examples", type=int, default=320)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    config = TrainConfig(seq_len=256)
    texts, labels = texts_and_labels(args.data, 2 * args.examples)
    classifier = build_classifier(config, 2)
    model = packed_inputs_model(classifier)
    loss, metric = loss_and_metric(2)
    model.compile(optimizer=make_optimizer(config, 10_000), loss=loss, metrics=[metric])
    preprocessor = classifier.get_layer("preprocess").preprocessor
    half = args.examples
    train, _ = length_grouped_dataset(tokenize_and_pack(texts[:half], preprocessor, 256),
                                      labels[:half], config.batch_size, shuffle=True, seed=0)
    val, val_steps = length_grouped_dataset(tokenize_and_pack(texts[half:], preprocessor, 256),
                                            labels[half:], config.batch_size, shuffle=False)
    times = PassTimes()
    model.fit(train, epochs=args.epochs, validation_data=val, callbacks=[times], verbose=0)
    step = float(np.median(times.steps[3:]))
    for epoch, seconds in enumerate(times.passes, 1):
        print(f"{args.data} epoch {epoch}: validation {seconds:.1f} s for {val_steps} batches, "
              f"{seconds / val_steps:.3f} s a batch; training step (median) {step:.3f} s; "
              f"ratio {seconds / val_steps / step:.3f}", flush=True)


if __name__ == "__main__":
    main()
