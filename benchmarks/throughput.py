"""Training and inference throughput, in one run: the TF tutorial recipe vs tfsenti vs HF PyTorch.

    python benchmarks/throughput.py [--quick] [--out results.json]   (or `make bench`)

(a) tutorial: the string model (preprocessor inside), every text padded to seq_len, fed strings;
    inference through its exported SavedModel, batches in input order.
(b) tfsenti defaults: texts tokenized inside the input pipeline while the model trains and batched
    by length; inference through the exported SavedModel with `Classifier.predict`. Beside it,
    "ahead": the same training with every text tokenized before the first step (counted).
(c) Hugging Face transformers PyTorch with dynamic padding on the same checkpoint, when
    `.venv-peer` exists (`make bench-peer-setup`).
Same encoder (MiniLM-L6-H384), train batch 32, inference batch 64. Useful-FLOP utilisation =
examples/s x FLOPs at the true token length / matmul peak measured in the same run, in the
precision tfsenti's defaults compute in. Every recipe runs in its own process, which reports its
peak RSS. Data: SST-2 and the IMDB training reviews (benchmarks/bench_data.py). The last line is the summary of ratios.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from bench_data import SST2, imdb_reviews
from tfsenti.config import TrainConfig
from tfsenti.data.pipeline import length_grouped_dataset, streamed_dataset
from tfsenti.encoders.catalog import resolve_encoder
from tfsenti.encoders.default import checkpoint_dir
from tfsenti.inference.model_folder import save_model
from tfsenti.inference.predictor import load
from tfsenti.modeling.classifier import build_classifier, packed_inputs_model
from tfsenti.modeling.rebuild import float32_classifier
from tfsenti.modeling.text_inputs import pack_texts, tokenize_and_pack
from tfsenti.precision import precision_policy, resolve_precision
from tfsenti.training.objectives import loss_and_metric
from tfsenti.training.optim import make_optimizer

ROOT = Path(__file__).resolve().parents[1]
PEER_PYTHON = ROOT / ".venv-peer" / "bin" / "python"
TRAIN_BATCH, INFER_BATCH, WARMUP_STEPS = 32, 64, 2
LAYERS, HIDDEN, INTERMEDIATE = 6, 384, 1536  # MiniLM-L6-H384


def load_sst2(count: int, seed: int = 0) -> tuple[list[str], list[int]]:
    rows = [line.split("\t") for line in
            (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    random.Random(seed).shuffle(rows)
    return [r[0] for r in rows[:count]], [int(r[1]) for r in rows[:count]]


def load_imdb(count: int, seed: int = 0) -> tuple[list[str], list[int]]:
    texts, labels = imdb_reviews()
    order = random.Random(seed).sample(range(len(texts)), count)
    return [texts[i] for i in order], [labels[i] for i in order]


def matmul_peak_flops(dtype: tf.DType = tf.float32, size: int = 2048, repeats: int = 20) -> float:
    """GEMM FLOP/s of this machine in `dtype`, as TensorFlow reaches it."""
    a, b = (tf.cast(tf.random.normal([size, size]), dtype) for _ in range(2))
    matmul = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    matmul(a, b)
    start = time.perf_counter()
    for _ in range(repeats):
        matmul(a, b).numpy()
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def forward_flops(lengths: np.ndarray) -> np.ndarray:
    """Matmul FLOPs of one encoder forward pass per example at its true token length."""
    dense = 2 * lengths * (4 * HIDDEN**2 + 2 * HIDDEN * INTERMEDIATE)
    attention = 4 * lengths**2 * HIDDEN
    return LAYERS * (dense + attention)


def _compile(model, steps: int):
    loss, metric = loss_and_metric(2)
    model.compile(optimizer=make_optimizer(TrainConfig(), steps), loss=loss, metrics=[metric])
    return model


def _timed_fit(model, warm: tf.data.Dataset, timed: tf.data.Dataset) -> float:
    """Seconds of one `fit` pass over `timed`, after a pass over `warm` traced the train step.

    `fit` traces its step once for the dataset's element spec; feeding tensors batch by batch
    (`train_on_batch`) would retrace for every new length and time the tracing instead."""
    model.fit(warm, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(timed, epochs=1, verbose=0)
    return time.perf_counter() - start


def _split(train):
    """(warm-up texts and labels, timed texts and labels)."""
    texts, labels = train
    n = WARMUP_STEPS * TRAIN_BATCH
    return (texts[:n], np.array(labels[:n])), (texts[n:], np.array(labels[n:]))


def tutorial_recipe(data: str, train, infer, seq_len, work: Path) -> dict:
    config = TrainConfig(seq_len=seq_len, fixed_length=True, truncate="head")  # as the tutorial
    model = _compile(build_classifier(config, 2), 1000)
    (warm, warm_y), (timed, timed_y) = _split(train)
    as_ds = lambda x, y: tf.data.Dataset.from_tensor_slices((x, y)).batch(TRAIN_BATCH)  # noqa: E731
    seconds = _timed_fit(model, as_ds(warm, warm_y), as_ds(timed, timed_y))
    serve = load(save_model(model, ["neg", "pos"], work / f"tutorial_{data}_{seq_len}")).serve
    serve(text=tf.constant(infer[:INFER_BATCH]))  # warm-up
    start = time.perf_counter()
    for i in range(0, len(infer), INFER_BATCH):
        serve(text=tf.constant(infer[i:i + INFER_BATCH]))["probabilities"].numpy()
    return {"train_ex_s": len(timed) / seconds, "infer_ex_s": len(infer) / (time.perf_counter() - start)}


def tfsenti_defaults(data: str, train, infer, seq_len, work: Path) -> dict:
    config = resolve_precision(TrainConfig(seq_len=seq_len))
    with precision_policy(config.precision):
        return _tfsenti_defaults(config, data, train, infer, work)


def tokenized_ahead(data: str, train, infer, seq_len, work: Path) -> dict:
    """tfsenti's training with every text tokenized before the first step instead of inside the
    pipeline: what streaming costs or saves."""
    config = resolve_precision(TrainConfig(seq_len=seq_len))
    with precision_policy(config.precision):
        encoder = resolve_encoder(config.encoder, config.preprocess, config.precision)
        classifier = build_classifier(config, 2, encoder)
        return {"train_ex_s": _train_ex_s(config, classifier, train, streamed=False)}


def _train_ex_s(config: TrainConfig, classifier, train, streamed: bool) -> float:
    """Training examples a second of tfsenti's fit on `train` after a warm-up pass: texts
    tokenized inside the pipeline (`streamed`, what `train` does) or all ahead (counted)."""
    model = _compile(packed_inputs_model(classifier), 1000)
    preprocessor = classifier.get_layer("preprocess").preprocessor
    tokenize = lambda texts: pack_texts(preprocessor, texts, config.seq_len, config.truncate)  # noqa: E731
    (warm, warm_y), (timed, timed_y) = _split(train)
    model.fit(streamed_dataset(warm, warm_y, TRAIN_BATCH, tokenize)[0], epochs=1, verbose=0)
    start = time.perf_counter()  # tokenizing is part of the cost
    if streamed:
        timed_ds, _ = streamed_dataset(timed, timed_y, TRAIN_BATCH, tokenize, shuffle=True, seed=0)
    else:
        ids = tokenize_and_pack(timed, preprocessor, config.seq_len, config.truncate)
        timed_ds, _ = length_grouped_dataset(ids, timed_y, TRAIN_BATCH, shuffle=True, seed=0)
    model.fit(timed_ds, epochs=1, verbose=0)
    return len(timed) / (time.perf_counter() - start)


def _tfsenti_defaults(config: TrainConfig, data: str, train, infer, work: Path) -> dict:
    encoder = resolve_encoder(config.encoder, config.preprocess, config.precision)
    classifier = build_classifier(config, 2, encoder)
    train_ex_s = _train_ex_s(config, classifier, train, streamed=True)
    exported = float32_classifier(classifier, config, encoder, num_classes=2)  # as `train` returns
    predictor = load(save_model(exported, ["neg", "pos"], work / f"tfsenti_{data}_{config.seq_len}"))
    predictor.predict(infer[:INFER_BATCH], INFER_BATCH)  # warm-up
    start = time.perf_counter()
    predictor.predict(infer, INFER_BATCH)
    infer_ex_s = len(infer) / (time.perf_counter() - start)
    preprocessor = classifier.get_layer("preprocess").preprocessor
    lengths = tokenize_and_pack(_split(train)[1][0], preprocessor, config.seq_len,
                                config.truncate).row_lengths().numpy().astype(np.float64)
    return {"train_ex_s": train_ex_s, "infer_ex_s": infer_ex_s, "mean_tokens": float(lengths.mean()),
            "train_flops_per_ex": float(3 * forward_flops(lengths).mean())}


def hf_peer(train, infer, seq_len) -> dict | None:
    if not PEER_PYTHON.is_file():
        return None
    job = {"checkpoint": str(checkpoint_dir()), "train_texts": train[0], "train_labels": train[1],
           "infer_texts": infer, "seq_len": seq_len, "train_batch": TRAIN_BATCH,
           "infer_batch": INFER_BATCH, "warmup_steps": WARMUP_STEPS}
    result = subprocess.run([str(PEER_PYTHON), str(ROOT / "benchmarks" / "hf_peer.py")],
                            input=json.dumps(job), capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.splitlines()[-1])


def train_cli_peak_rss(examples: int, work: Path) -> tuple[float, float]:
    """(seconds, peak RSS in GiB) of `tfsenti train` at batch 32, seq_len 128, in its own process."""
    texts, labels = load_sst2(examples, seed=1)
    table = work / "sst2_subset.tsv"
    table.write_text("sentence\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in zip(texts, labels)))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tfsenti", "train", str(table), "--epochs", "1",
                    "--batch-size", "32", "--seq-len", "128", "--out", str(work / "rss_model"),
                    "--quiet"], check=True, capture_output=True)
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20


RECIPES = {"tutorial": tutorial_recipe, "tfsenti": tfsenti_defaults, "ahead": tokenized_ahead}
LOADERS = {"sst2": load_sst2, "imdb": load_imdb}


def run_recipe(recipe: str, data: str, seq_len: int, n_train: int, n_infer: int, work: Path) -> dict:
    """One recipe on one data set, in this process; adds the process's peak RSS."""
    texts, labels = LOADERS[data](n_train + n_infer)
    train, infer = (texts[:n_train], labels[:n_train]), texts[n_train:]
    result = RECIPES[recipe](data, train, infer, seq_len, work)
    return {**result, "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def recipe_in_subprocess(recipe: str, data: str, seq_len: int, n_train: int, n_infer: int,
                         work: Path) -> dict:
    """`run_recipe` in a fresh process, so no recipe's memory or threads weigh on the next; a
    recipe that fails (e.g. killed for memory) is reported as such."""
    command = [sys.executable, __file__, "--recipe", recipe, "--data", data, "--seq-len", str(seq_len),
               "--sizes", f"{n_train},{n_infer}", "--work", str(work)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return {"failed": f"exit status {done.returncode}"}
    return {**json.loads(done.stdout.splitlines()[-1]), "process_seconds": time.perf_counter() - start}


def hf_peer_run(data: str, seq_len: int, n_train: int, n_infer: int) -> dict | None:
    texts, labels = LOADERS[data](n_train + n_infer)
    return hf_peer((texts[:n_train], labels[:n_train]), texts[n_train:], seq_len)


def _fmt(result: dict | None, key: str) -> str:
    if not result:
        return "n/a"
    return result["failed"] if "failed" in result else f"{result[key]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer examples, SST-2 and IMDB at 128 only (under 5 minutes)")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--recipe", choices=RECIPES, help=argparse.SUPPRESS)  # child process
    parser.add_argument("--data", choices=LOADERS, help=argparse.SUPPRESS)
    parser.add_argument("--seq-len", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.recipe:
        n_train, n_infer = map(int, args.sizes.split(","))
        print(json.dumps(run_recipe(args.recipe, args.data, args.seq_len, n_train, n_infer, args.work)))
        return
    # (training examples incl. 2 warm-up batches, inference examples) per (data, seq_len)
    # SST-2 in --quick times 32 steps: at 12 steps the start of a `fit` pass weighed ~15%
    sizes = ({("sst2", 128): (1088, 512), ("imdb", 128): (128, 128)}  # 512: the full run only
             if args.quick else
             {("sst2", 128): (2112, 4096), ("imdb", 128): (576, 1024), ("imdb", 512): (192, 256)})
    precision = resolve_precision(TrainConfig()).precision
    compute_dtype = tf.bfloat16 if precision == "mixed_bfloat16" else tf.float32
    peak = matmul_peak_flops(compute_dtype)
    print(f"{compute_dtype.name} matmul peak (tfsenti's default precision {precision}): "
          f"{peak / 1e9:.0f} GFLOP/s; fp32 peak {matmul_peak_flops() / 1e9:.0f} GFLOP/s")
    rss_examples = 512 if args.quick else 2048
    results = {"date": datetime.date.today().isoformat(), "machine": platform.processor() or platform.machine(),
               "cpus": len(os.sched_getaffinity(0)), "tensorflow": tf.__version__,
               "precision": precision, "matmul_peak_gflops": peak / 1e9, "quick": args.quick,
               "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        seconds, rss = train_cli_peak_rss(rss_examples, Path(tmp))
        results.update(train_peak_rss_gib=rss, train_cli_seconds=seconds, train_cli_examples=rss_examples)
        for (data, seq_len), (n_train, n_infer) in sizes.items():
            run = {"data": data, "seq_len": seq_len, "train_examples": n_train, "infer_examples": n_infer}
            for recipe in RECIPES:
                run[recipe] = recipe_in_subprocess(recipe, data, seq_len, n_train, n_infer, Path(tmp))
            run["hf_pytorch_dynamic"] = hf_peer_run(data, seq_len, n_train, n_infer)
            ours, hf = run["tfsenti"], run["hf_pytorch_dynamic"]
            if "failed" not in ours:
                run["utilisation"] = ours["train_ex_s"] * ours["train_flops_per_ex"] / peak
            results["runs"].append(run)
            rss_line = ", ".join(f"{r} {run[r]['peak_rss_gib']:.1f} ({run[r]['process_seconds']:.0f} s)"
                                 for r in RECIPES if "peak_rss_gib" in run[r])
            print(f"{data} seq_len {seq_len} (mean {ours.get('mean_tokens', float('nan')):.0f} tokens): "
                  f"train ex/s tutorial {_fmt(run['tutorial'], 'train_ex_s')} | tfsenti "
                  f"{_fmt(ours, 'train_ex_s')} (tokenized ahead {_fmt(run['ahead'], 'train_ex_s')}) | "
                  f"hf {_fmt(hf, 'train_ex_s')};  infer ex/s tutorial "
                  f"{_fmt(run['tutorial'], 'infer_ex_s')} | tfsenti {_fmt(ours, 'infer_ex_s')} | "
                  f"hf {_fmt(hf, 'infer_ex_s')};  utilisation {run.get('utilisation', float('nan')):.0%};  "
                  f"peak RSS GiB (process wall time): {rss_line}", flush=True)
    print(f"peak RSS of `tfsenti train` (batch 32, seq_len 128): {results['train_peak_rss_gib']:.2f} GiB "
          f"({results['train_cli_seconds']:.0f} s for {results['train_cli_examples']} SST-2 examples, 1 epoch)")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    sst2 = results["runs"][0]
    hf = sst2["hf_pytorch_dynamic"]
    train_x_hf = f"{sst2['tfsenti']['train_ex_s'] / hf['train_ex_s']:.2f}" if hf else "n/a"
    print(f"train_x_tutorial={sst2['tfsenti']['train_ex_s'] / sst2['tutorial']['train_ex_s']:.2f} "
          f"train_x_ahead={sst2['tfsenti']['train_ex_s'] / sst2['ahead']['train_ex_s']:.2f} "
          f"train_x_hf={train_x_hf} "
          f"infer_x_tutorial={sst2['tfsenti']['infer_ex_s'] / sst2['tutorial']['infer_ex_s']:.2f} "
          f"utilisation={sst2['utilisation']:.2f}")


if __name__ == "__main__":
    main()
