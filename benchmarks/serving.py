"""Serving formats of one trained model: file size, accuracy, latency and throughput on CPU.

Usage: python benchmarks/serving.py --model MODEL_FOLDER [--data sst2|imdb] [--texts N]
                                    [--formats savedmodel,bfloat16,none,dynamic,float16]
                                    [--work DIR] [--peer [--peer-minutes 6]] [--auto-bf16]

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
throughput in texts per second at batch 64 on 2 threads. `--peer` adds the ONNX Runtime rows
(`ort_peer.py`, run in `.venv-peer` from here: the same checkpoint fine-tuned by transformers,
fp32 and dynamic int8; their drop is from their own fp32), so one command measures the table. A SavedModel runs on TensorFlow's
thread pools, which a process sizes once to all cores: its latency is measured on all of them.
The useful-FLOP limit of single-text latency: each text's encoder matmul FLOPs at its own token
length ([CLS] and [SEP] included, cut to the model's seq_len; `throughput.forward_flops`) over
the float32 matmul peak one thread reaches (a 2048x2048 GEMM in a TensorFlow process held to one
thread), the p50 of that over the texts. Tokenizing, embedding lookups, softmax and layer norms
count as overhead, so a format at the limit would do nothing but its matmuls, at the machine's
best rate. `x_limit` is a format's p50 over that limit p50 (a SavedModel's p50 is on all cores,
so its ratio is optimistic).

Last line, machine-readable:
`int8_drop=POINTS float16_drop=POINTS bfloat16_drop=POINTS ort_int8_drop=POINTS
tflite_x_ort_int8=RATIO best_x_ort_int8=RATIO latency_p50_ms=BEST_FORMAT_P50 best=FORMAT
limit_p50_ms=MS best_x_limit=RATIO texts=N` (`x_ort_int8`: batch throughput of the fastest TFLite
file, or of the fastest tfsenti format, over ORT int8's; nan without `--peer`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub

from bench_data import SST2, imdb_draw
from throughput import forward_flops
from tfsenti.config import TrainConfig
from tfsenti.data.loaders import load_dataset
from tfsenti.encoders.catalog import resolve_encoder
from tfsenti.encoders.default import checkpoint_dir
from tfsenti.inference.bfloat16 import export_bfloat16
from tfsenti.inference.predictor import load
from tfsenti.inference.tflite import export_tflite, load_tflite
from tfsenti.modeling.text_inputs import tokenize_and_pack

BATCH = 64
TFLITE = ("none", "dynamic", "float16")
PEER_PYTHON = Path(__file__).resolve().parents[1] / ".venv-peer" / "bin" / "python"


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


def latency_ms(call, texts: list[str]) -> tuple[float, float]:
    """p50 and p95 in ms of `call(text)` on each text alone, in input order, after 20 warm-ups."""
    for text in texts[:20]:
        call(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        call(text)
        times.append(1000 * (time.perf_counter() - start))
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def throughput(clf, texts: list[str]) -> float:
    clf.predict(texts[:BATCH], batch_size=BATCH)
    start = time.perf_counter()
    clf.predict(texts, batch_size=BATCH)
    return len(texts) / (time.perf_counter() - start)


def one_thread_peak_flops() -> float:
    """Float32 GEMM FLOP/s of one thread, measured in a TensorFlow process held to one thread."""
    code = ("import tensorflow as tf; tf.config.threading.set_intra_op_parallelism_threads(1); "
            "tf.config.threading.set_inter_op_parallelism_threads(1); "
            "from throughput import matmul_peak_flops; print(matmul_peak_flops())")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def limit_p50_ms(model: Path, texts: list[str]) -> float:
    """p50 over `texts` of matmul FLOPs at each text's token length / one thread's peak, in ms."""
    config = TrainConfig.load(model)
    preprocessor = hub.load(resolve_encoder(config.encoder, config.preprocess).preprocess)
    lengths = tokenize_and_pack(texts, preprocessor, config.seq_len, config.truncate).row_lengths()
    flops = forward_flops(lengths.numpy().astype(np.float64))
    return float(np.percentile(1000 * flops / one_thread_peak_flops(), 50))


def bench_texts(model: Path, data: str, count: int | None) -> tuple[list[str], np.ndarray]:
    """The texts and label ids (in the model's class order) of `--data`."""
    class_names = json.loads((model / "config.json").read_text())["class_names"]
    if data == "sst2":
        dev = load_dataset(SST2 / "dev.tsv", class_names=class_names)
        return dev.texts[:count], dev.labels[:count]
    reviews, positive = imdb_draw(count or 500)
    ids = {name: i for i, name in enumerate(class_names)}  # SST-2 labels: "0" and "1"
    return reviews, np.array([ids[str(label)] for label in positive])


def measure(fmt: str, model: Path, work: Path, texts: list[str], labels: np.ndarray) -> dict:
    """One format's size, accuracy, single-text latency (1 thread) and batch throughput (2)."""
    one, path = classifier(fmt, model, work, threads=1)
    predicted = one.predict(texts, batch_size=BATCH).label_ids
    p50, p95 = latency_ms(lambda text: one.predict([text]), texts)
    two, _ = classifier(fmt, model, work, threads=2)
    return {"size_mib": size_mib(path), "accuracy": float(np.mean(predicted == labels)),
            "p50_ms": p50, "p95_ms": p95, "batch64_per_s": throughput(two, texts)}


def peer_rows(args: argparse.Namespace) -> dict[str, dict]:
    """`ort_fp32` and `ort_int8`: `ort_peer.py` in `.venv-peer` on the same texts."""
    out = args.work / f"ort_{args.data}.json"
    subprocess.run([str(PEER_PYTHON), str(Path(__file__).with_name("ort_peer.py")),
                    "--checkpoint", str(checkpoint_dir()), "--minutes", str(args.peer_minutes),
                    "--work", str(args.work), "--data", args.data, "--json", str(out),
                    *(["--texts", str(args.texts)] if args.texts else [])], check=True)
    return json.loads(out.read_text())


def print_table(rows: dict[str, dict]) -> dict[str, float]:
    """The Markdown table; each format's drop in points (the peer's from its own fp32)."""
    drops = {}
    print("| format | file MiB | accuracy | drop (points) | p50 ms (1 thread) | p95 ms | "
          "texts/s (batch 64, 2 threads) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fmt, r in rows.items():
        base = rows.get("ort_fp32" if fmt.startswith("ort_") else "savedmodel")
        if base is not None and r is not base:
            drops[fmt] = 100 * (base["accuracy"] - r["accuracy"])
        drop = f"{drops[fmt]:.2f}" if fmt in drops else ""
        print(f"| {fmt} | {r['size_mib']:.1f} | {r['accuracy']:.4f} | {drop} | {r['p50_ms']:.2f} | "
              f"{r['p95_ms']:.2f} | {r['batch64_per_s']:.0f} |")
    return drops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", choices=["sst2", "imdb"], default="sst2")
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--formats", default="savedmodel,bfloat16,none,dynamic,float16")
    parser.add_argument("--work", type=Path, default=Path("serving_bench"))
    parser.add_argument("--peer", action="store_true", help="also the ONNX Runtime peer "
                        "(benchmarks/ort_peer.py in .venv-peer: make bench-peer-setup)")
    parser.add_argument("--peer-minutes", type=float, default=6.0,
                        help="the peer's fine-tuning minutes (skipped when --work has its model)")
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
        rows[fmt] = measure(fmt, args.model, args.work, texts, labels)
        print(fmt, json.dumps({k: round(v, 4) for k, v in rows[fmt].items()}), flush=True)
    ours = dict(rows)
    if args.peer:
        rows.update(peer_rows(args))
    drops = print_table(rows)
    best = min(ours, key=lambda f: ours[f]["p50_ms"])
    limit = limit_p50_ms(args.model, texts)
    print(f"useful-FLOP limit of single-text latency on 1 thread: p50 {limit:.2f} ms; x_limit "
          + " ".join(f"{fmt}={r['p50_ms'] / limit:.2f}" for fmt, r in rows.items()))
    ort_int8 = rows.get("ort_int8", {}).get("batch64_per_s", float("nan"))
    tflite = max((r["batch64_per_s"] for f, r in ours.items() if f in TFLITE), default=float("nan"))
    print(" ".join(f"{name}={drops.get(fmt, float('nan')):.2f}" for name, fmt in (
        ("int8_drop", "dynamic"), ("float16_drop", "float16"), ("bfloat16_drop", "bfloat16"),
        ("ort_int8_drop", "ort_int8")))
        + f" tflite_x_ort_int8={tflite / ort_int8:.2f} "
          f"best_x_ort_int8={max(r['batch64_per_s'] for r in ours.values()) / ort_int8:.2f} "
          f"latency_p50_ms={ours[best]['p50_ms']:.2f} best={best} limit_p50_ms={limit:.2f} "
          f"best_x_limit={ours[best]['p50_ms'] / limit:.2f} texts={len(texts)}")


if __name__ == "__main__":
    main()
