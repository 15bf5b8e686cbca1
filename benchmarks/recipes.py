"""Feature extraction vs fine-tuning on SST-2: time per epoch and dev accuracy, in one run.

Usage: python benchmarks/recipes.py [--train-examples N] [--pooling pooled|mean]
(data: benchmarks/bench_data.py)

Both recipes use the default encoder, the same training subset (the first N/2 sentences of each
class of SST-2 train), seed, batch size and pooling; accuracy is on the whole SST-2 dev set. The last
line: `features_x_per_epoch=... features_x_total=... finetune_dev=... features_dev=...`.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench_data import SST2
from tfsenti import Classifier, TrainConfig, load_dataset, train



def dev_accuracy(model, class_names, dev) -> float:
    predicted = Classifier.from_model(model, class_names).predict(dev.texts).label_ids
    return float(np.mean(predicted == dev.labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-examples", type=int, default=8000)
    parser.add_argument("--pooling", default="pooled", choices=["pooled", "mean"])
    args = parser.parse_args()
    data = load_dataset(SST2 / "train.tsv").head_per_class(args.train_examples // 2)
    dev = load_dataset(SST2 / "dev.tsv", class_names=data.class_names)
    print(f"SST-2: {len(data)} training sentences, {len(dev)} dev sentences")

    start = time.perf_counter()
    model, history = train(TrainConfig(epochs=1, seed=42, pooling=args.pooling), data, dev,
                           verbose=0)
    finetune_epoch = time.perf_counter() - start
    finetune_dev = dev_accuracy(model, data.class_names, dev)
    print(f"fine-tune, 1 epoch: {finetune_epoch:.1f} s (incl. set-up and the dev pass), "
          f"dev accuracy {finetune_dev:.4f}")

    start = time.perf_counter()
    model, history = train(TrainConfig(mode="features", seed=42, pooling=args.pooling), data, dev,
                           verbose=0)
    features_total = time.perf_counter() - start
    features_dev = dev_accuracy(model, data.class_names, dev)
    print(f"features: {features_total:.1f} s in all (embedding {history['embed_seconds']:.1f} s, "
          f"{len(history['loss'])} head epochs at {history['head_seconds_per_epoch']:.3f} s), "
          f"dev accuracy {features_dev:.4f}")
    print(f"features_x_per_epoch={finetune_epoch / history['head_seconds_per_epoch']:.0f} "
          f"features_x_total={finetune_epoch / features_total:.2f} "
          f"finetune_dev={finetune_dev:.4f} features_dev={features_dev:.4f}")


if __name__ == "__main__":
    main()
