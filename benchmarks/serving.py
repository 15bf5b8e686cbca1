"""Serving formats of one trained model: file size, accuracy, latency and throughput on CPU.

Usage: python benchmarks/serving.py --model MODEL_FOLDER [--data sst2|imdb] [--texts N]
                                    [--formats savedmodel,bfloat16,none,dynamic,float16]
                                    [--work DIR] [--auto-bf16]

MODEL_FOLDER is an exported model trained on SST-2 labels (`tfsenti train sst2/train.tsv ...`).
`--data sst2` scores each format on SST-2 `dev.tsv` (1,000 whole sentences); `--data imdb` on
IMDB training reviews (a fixed random draw of `--texts`, default 500: reviews, not sentences,
for the cost of long inputs; the SST-2 model has never seen them). `--texts N` takes the first
N. `savedmodel` is the model folder itself, run through its `serving_default` signature;
`bfloat16` is `tfsenti export --precision bfloat16`, the same for SavedModels with bfloat16
weights; `none`, `dynamic` and `float16` are `tfsenti export --format tflite --quantize Q`
files, run in the Python TFLite interpreter with tensorflow_text's kernels.

Per format: file size (weights and tokenizer tables; for a SavedModel its `variables/`),
accuracy and its drop from the SavedModel in points, single-text latency p50/p95 in
milliseconds on 1 thread (each text alone, in input order, after 20 warm-up calls), and
throughput in texts per second at batch 64 on 2 threads. A SavedModel runs on TensorFlow's
thread pools, which a process sizes once to all cores: its latency is measured on all of them.
Last line, machine-readable:
`int8_drop=POINTS float16_drop=POINTS bfloat16_drop=POINTS latency_p50_ms=BEST_FORMAT_P50
best=FORMAT ...`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from bench_data import SST2, imdb_reviews
from tfsenti.data.loaders import load_dataset
from tfsenti.inference.bfloat16 import export_bfloat16
from tfsenti.inference.predictor import load
from tfsenti.inference.tflite import export_tflite, load_tflite

BATCH = 64


def size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in (path / "variables").rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def classifier(fmt: str, model: Path, work: Path, threads: int):
    if fmt == "savedmodel":  # TensorFlow's thread pools are fixed per process: all cores
        return load(model), model
    if fmt == "bfloat16":
        path = work / "model_bfloat16"
        if not path.exists():
            export_bfloat16(model, path)
        return load(path), path
    path = work / f"model_{fmt}.tflite"
    if not path.exists():
        export_tflite(model, path, quantize=fmt)
    return load_tflite(path, num_threads=threads), path


def latency_ms(clf, texts: list[str]) -> tuple[float, float]:
    for text in texts[:20]:
        clf.predict([text])
    times = []
    for text in texts:
        start = time.perf_counter()
        clf.predict([text])
        times.append(1000 * (time.perf_counter() - start))
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def throughput(clf, texts: list[str]) -> float:
    clf.predict(texts[:BATCH], batch_size=BATCH)
    start = time.perf_counter()
    clf.predict(texts, batch_size=BATCH)
    return len(texts) / (time.perf_counter() - start)


def bench_texts(model: Path, data: str, count: int | None) -> tuple[list[str], np.ndarray]:
    """The texts and label ids (in the model's class order) of `--data`."""
    class_names = json.loads((model / "config.json").read_text())["class_names"]
    if data == "sst2":
        dev = load_dataset(SST2 / "dev.tsv", class_names=class_names)
        return dev.texts[:count], dev.labels[:count]
    reviews, positive = imdb_reviews()
    pick = np.random.default_rng(0).permutation(len(reviews))[:count or 500]
    ids = {name: i for i, name in enumerate(class_names)}  # SST-2 labels: "0" and "1"
    return [reviews[i] for i in pick], np.array([ids[str(positive[i])] for i in pick])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", choices=["sst2", "imdb"], default="sst2")
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--formats", default="savedmodel,bfloat16,none,dynamic,float16")
    parser.add_argument("--work", type=Path, default=Path("serving_bench"))
    parser.add_argument("--auto-bf16", action="store_true", help="turn on TensorFlow's automatic "
                        "bfloat16 graph rewrite (auto_mixed_precision_onednn_bfloat16) for the "
                        "whole process: the float32 SavedModel cast at each call, for comparison")
    args = parser.parse_args()
    if args.auto_bf16:
        tf.config.optimizer.set_experimental_options({"auto_mixed_precision_onednn_bfloat16": True})
    args.work.mkdir(parents=True, exist_ok=True)
    texts, labels = bench_texts(args.model, args.data, args.texts)
    print(f"{len(texts)} {'SST-2 dev sentences' if args.data == 'sst2' else 'IMDB reviews'}; "
          f"{os.cpu_count()} CPUs")
    rows = {}
    for fmt in args.formats.split(","):
        one, path = classifier(fmt, args.model, args.work, threads=1)
        predicted = one.predict(texts, batch_size=BATCH).label_ids
        p50, p95 = latency_ms(one, texts)
        two, _ = classifier(fmt, args.model, args.work, threads=2)
        rows[fmt] = {"size_mib": size_mib(path), "accuracy": float(np.mean(predicted == labels)),
                     "p50_ms": p50, "p95_ms": p95, "batch64_per_s": throughput(two, texts)}
        print(fmt, json.dumps({k: round(v, 4) for k, v in rows[fmt].items()}), flush=True)
    base = rows.get("savedmodel", {}).get("accuracy")
    print("| format | file MiB | accuracy | drop (points) | p50 ms (1 thread) | p95 ms | "
          "texts/s (batch 64, 2 threads) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fmt, r in rows.items():
        drop = "" if base is None else f"{100 * (base - r['accuracy']):.2f}"
        print(f"| {fmt} | {r['size_mib']:.1f} | {r['accuracy']:.4f} | {drop} | {r['p50_ms']:.2f} | "
              f"{r['p95_ms']:.2f} | {r['batch64_per_s']:.0f} |")
    drops = {f: 100 * (base - r["accuracy"]) for f, r in rows.items() if base is not None}
    best = min(rows, key=lambda f: rows[f]["p50_ms"])
    print(f"int8_drop={drops.get('dynamic', float('nan')):.2f} "
          f"float16_drop={drops.get('float16', float('nan')):.2f} "
          f"bfloat16_drop={drops.get('bfloat16', float('nan')):.2f} "
          f"latency_p50_ms={rows[best]['p50_ms']:.2f} best={best} texts={len(texts)}")


if __name__ == "__main__":
    main()
