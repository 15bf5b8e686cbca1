"""What the CLI defaults reach: `tfsenti train` on SST-2 or IMDB, accuracy, F1 and wall time.

Usage: python benchmarks/accuracy.py --task sst2|imdb [--seeds N] [--budget-minutes 30]
       [--train-examples N] [-- TRAIN OPTIONS]      (data: benchmarks/bench_data.py)

The budget is passed on as `tfsenti train --time-budget` (give `--budget-minutes 0` for none), so
the run plans its steps to end training in time; everything else is the CLI's defaults.

- sst2: trains on `sst2/train.tsv` and reports `dev.tsv` (whole sentences, none of whose phrases
  is in train). `--val dev` (default) is `tfsenti train train.tsv --val dev.tsv`: dev picks the
  best epoch, as GLUE results and the peer's recipe do. `--val split` holds out 10% of the
  training phrases to pick the epoch and reports dev as an untouched test set.
- imdb: extracts `imdb/aclImdb_train.tar.gz` once (to `--work`) and trains with
  `--val-split 0.2`; reports that validation split.

Options after `--` go to `tfsenti train` unchanged (for experiments: `-- --lr 1e-4 --epochs 2`).
`--train-examples N` trains on a seeded random N of the training texts (quick comparisons of
settings; SST-2 only), evaluated on the same whole `dev.tsv`.
`--seeds N` repeats the run with seeds 42, 43, ... (a choice only counts if it beats the spread).
`--peer` (SST-2) then trains the Hugging Face peer on the same checkpoint, with transformers'
`Trainer` and its usual recipe (`benchmarks/hf_accuracy_peer.py`, in `.venv-peer`), for the
minutes each tfsenti run trained, on the same training texts and validation split, and reports
both accuracies on `dev.tsv`.
`--peer-seeds N` trains the peer for the first N seeds only.
The runs are `--quiet`, except for the `--time-budget` planner's lines (each plan, and where the
budget went when training ended).
The first line is the machine's float32 matmul speed: the steps that fit in the budget follow it.
Last line: `task=... seeds=N train_examples=... accuracy=MEAN spread=MAX-MIN accuracies=A,B,...
f1=MEAN ece=MEAN ece_before=MEAN train_minutes=LONGEST minutes=MEAN budget_minutes=... within_budget=...`, where
`train_minutes` is the training time the budget bounds (`train_seconds` in history.json:
tokenizing, training, validation) and `minutes` the wall time of a whole `tfsenti train` run (also
loading the data, the final evaluation and the export).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from bench_data import IMDB_ARCHIVE, SST2
from throughput import matmul_peak_flops
from tfsenti.cli import main as tfsenti_main
from tfsenti.data.loaders import load_dataset
from tfsenti.encoders.default import checkpoint_dir

PEER_PYTHON = Path(__file__).resolve().parents[1] / ".venv-peer" / "bin" / "python"


def imdb_train_folder(work: Path) -> Path:
    """aclImdb/train (neg/ and pos/) extracted from the shared archive, once."""
    folder = work / "aclImdb" / "train"
    if not (folder / "pos").is_dir():
        with tarfile.open(IMDB_ARCHIVE) as archive:
            archive.extractall(work, filter="data")
    return folder


def sst2_train_table(args: argparse.Namespace) -> Path:
    """`sst2/train.tsv`, or with `--train-examples N` a TSV of N random rows of it (seed 0)."""
    if not args.train_examples:
        return SST2 / "train.tsv"
    header, *rows = (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()
    chosen = random.Random(0).sample(rows, min(args.train_examples, len(rows)))
    path = args.work / f"sst2_train_{args.train_examples}.tsv"
    path.write_text("\n".join([header, *chosen]) + "\n", encoding="utf-8")
    return path


def train_arguments(args: argparse.Namespace, out: Path) -> tuple[list[str], str]:
    """(`tfsenti train` arguments, the metrics.json split to report) for a task."""
    if args.task == "sst2":
        table = sst2_train_table(args)
        if args.val == "dev":
            return [str(table), "--val", str(SST2 / "dev.tsv"), "--out", str(out)], "validation"
        return [str(table), "--test", str(SST2 / "dev.tsv"), "--out", str(out)], "test"
    return [str(imdb_train_folder(args.work)), "--val-split", "0.2", "--out", str(out)], "validation"


def last_weights(history: dict) -> str:
    """With `--ema`: the last weights' per-epoch validation accuracy, beside the average's."""
    scores = history.get("last_val_accuracy")
    return f"; last weights {', '.join(f'{a:.4f}' for a in scores)}" if scores else ""


def run_once(args: argparse.Namespace, extra: list[str], seed: int) -> dict:
    """One `tfsenti train` run with `--seed seed`; prints its line and returns its figures."""
    out = args.work / f"model_{args.task}"
    train_args, split = train_arguments(args, out)
    if args.budget_minutes > 0:
        train_args += ["--time-budget", f"{args.budget_minutes:g}"]
    start = time.perf_counter()
    code = tfsenti_main(["train", *train_args, "--seed", str(seed), "--overwrite", "--quiet", *extra])
    minutes = (time.perf_counter() - start) / 60
    if code != 0:
        raise SystemExit(code)
    metrics = json.loads((out / "metrics.json").read_text())[split]
    config = json.loads((out / "config.json").read_text())
    history = json.loads((out / "history.json").read_text())
    settings = {k: config["train_config"][k] for k in
                ("lr", "epochs", "batch_size", "seq_len", "truncate", "long", "precision", "warmup",
                 "dropout", "ema", "label_smoothing", "time_budget", "seed")}
    print(f"{args.task}: {split} accuracy {metrics['accuracy']:.4f} on {metrics['examples']} "
          f"examples, best epoch {history['best_epoch']} of {len(history['loss'])} (validation "
          f"accuracy {', '.join(f'{a:.4f}' for a in history.get('val_accuracy', []))}"
          f"{last_weights(history)}), "
          f"{history['steps']} of {config['train_config']['epochs'] * history['steps_per_epoch']} "
          f"planned steps, calibration {json.dumps(metrics['calibration'])}, "
          f"settings {json.dumps(settings)}", flush=True)
    if not args.keep:
        shutil.rmtree(out)
    return {"accuracy": metrics["accuracy"], "f1": metrics["macro"]["f1"],
            "ece": metrics["calibration"]["ece"],
            "ece_before": metrics["calibration"].get("ece_before", metrics["calibration"]["ece"]),
            "train_minutes": history["train_seconds"] / 60, "minutes": minutes,
            "train_examples": config["data"]["train_examples"]}


def peer_run(args: argparse.Namespace, seed: int, minutes: float) -> dict:
    """The Hugging Face peer (`hf_accuracy_peer.py` in `.venv-peer`) on the same SST-2 split as
    `run_once` (with `--val split`, the 10% drawn by tfsenti's own code), for `minutes`."""
    train = load_dataset(sst2_train_table(args))
    test = load_dataset(SST2 / "dev.tsv", class_names=train.class_names)
    train, val = (train, test) if args.val == "dev" else train.split(0.1, seed)
    job = {"checkpoint": str(checkpoint_dir()), "lr": args.peer_lr, "epochs": 3, "batch_size": 32,
           "seed": seed, "minutes": minutes, "work": str(args.work / "peer")}
    for split, data in (("train", train), ("validation", val), ("test", test)):
        job[f"{split}_texts"], job[f"{split}_labels"] = data.texts, data.labels.tolist()
    done = subprocess.run([str(PEER_PYTHON), str(Path(__file__).with_name("hf_accuracy_peer.py"))],
                          input=json.dumps(job), capture_output=True, text=True)
    shutil.rmtree(args.work / "peer", ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit(f"the peer failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.splitlines()[-1])
    print(f"peer (transformers Trainer, lr {args.peer_lr:g}): test accuracy {result['accuracy']:.4f}, "
          f"{result['steps']} of {result['planned_steps']} planned steps in "
          f"{result['train_minutes']:.1f} minutes", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["sst2", "imdb"], required=True)
    parser.add_argument("--budget-minutes", type=float, default=30.0,
                        help="passed on as --time-budget (0: no budget)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="runs with seeds 42, 43, ...: report the mean and the spread")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "tfsenti-accuracy",
                        help="extracted data and the trained model go here")
    parser.add_argument("--train-examples", type=int, default=None,
                        help="train on this many random SST-2 training texts (default: all)")
    parser.add_argument("--val", choices=["dev", "split"], default="dev",
                        help="sst2: dev.tsv picks the best epoch (dev), or 10%% of train (split)")
    parser.add_argument("--keep", action="store_true", help="keep the trained model (last seed)")
    parser.add_argument("--peer", action="store_true", help="also train the Hugging Face peer "
                        "(.venv-peer) for the same minutes on the same split (sst2)")
    parser.add_argument("--peer-seeds", type=int, default=None,
                        help="train the peer for the first N seeds only (default: all)")
    parser.add_argument("--peer-lr", type=float, default=5e-5, help="the peer's learning rate")
    parser.add_argument("train_options", nargs=argparse.REMAINDER,
                        help="after --: options passed to tfsenti train")
    args = parser.parse_args()
    extra = [a for a in args.train_options if a != "--"]
    args.work.mkdir(parents=True, exist_ok=True)
    if (args.train_examples or args.peer) and args.task != "sst2":
        parser.error("--train-examples and --peer apply to --task sst2")
    # the runs are --quiet, but the budget planner's lines say how each one spent its minutes
    logging.getLogger("tfsenti.training.callbacks").setLevel(logging.INFO)
    # steps per budget depend on the host: its matmul speed makes runs comparable across days
    print(f"float32 matmul peak of this machine: {matmul_peak_flops() / 1e9:.0f} GFLOP/s", flush=True)
    runs = [run_once(args, extra, seed) for seed in range(42, 42 + args.seeds)]
    accuracies = [run["accuracy"] for run in runs]
    train_minutes = max(run["train_minutes"] for run in runs)
    peer = ""
    if args.peer:
        peers = [peer_run(args, seed, run["train_minutes"])["accuracy"]
                 for seed, run in zip(range(42, 42 + args.seeds), runs[:args.peer_seeds])]
        peer = (f"peer_accuracy={statistics.mean(peers):.4f} peer_spread="
                f"{max(peers) - min(peers):.4f} ahead_points="
                f"{100 * (statistics.mean(accuracies) - statistics.mean(peers)):+.2f} ")
    print(f"task={args.task} seeds={args.seeds} train_examples={runs[0]['train_examples']} "
          f"accuracy={statistics.mean(accuracies):.4f} "
          f"spread={max(accuracies) - min(accuracies):.4f} "
          f"accuracies={','.join(f'{a:.4f}' for a in accuracies)} "
          f"f1={statistics.mean(run['f1'] for run in runs):.4f} "
          f"ece={statistics.mean(run['ece'] for run in runs):.4f} "
          f"ece_before={statistics.mean(run['ece_before'] for run in runs):.4f} "
          f"train_minutes={train_minutes:.1f} "
          f"minutes={statistics.mean(run['minutes'] for run in runs):.1f} "
          f"budget_minutes={args.budget_minutes:g} {peer}"
          f"within_budget={str(train_minutes <= (args.budget_minutes or float('inf'))).lower()}")


if __name__ == "__main__":
    main()
