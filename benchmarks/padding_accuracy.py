"""Does length grouping change accuracy? SST-2 dev accuracy of length-grouped vs fixed-length
training.

Usage: python benchmarks/padding_accuracy.py [--train-examples N] [--epochs E]
(data: benchmarks/bench_data.py)

Same training subset (the first N/2 sentences of each class of SST-2 train), seed, epochs and
settings; only `fixed_length` differs. Last line: `grouped_dev=... fixed_dev=... diff_points=...`.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench_data import SST2
from tfsenti import Classifier, TrainConfig, load_dataset, train



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-examples", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    data = load_dataset(SST2 / "train.tsv").head_per_class(args.train_examples // 2)
    dev = load_dataset(SST2 / "dev.tsv", class_names=data.class_names)
    accuracy = {}
    for fixed in (False, True):
        start = time.perf_counter()
        model, _ = train(TrainConfig(epochs=args.epochs, fixed_length=fixed, seed=42), data, dev,
                         verbose=0)
        seconds = time.perf_counter() - start
        predicted = Classifier.from_model(model, data.class_names).predict(dev.texts).label_ids
        accuracy[fixed] = float(np.mean(predicted == dev.labels))
        print(f"{'fixed-length' if fixed else 'length-grouped'}: dev accuracy {accuracy[fixed]:.4f} "
              f"({len(dev)} sentences), training {seconds:.0f} s", flush=True)
    print(f"grouped_dev={accuracy[False]:.4f} fixed_dev={accuracy[True]:.4f} "
          f"diff_points={100 * (accuracy[False] - accuracy[True]):+.2f}")


if __name__ == "__main__":
    main()
