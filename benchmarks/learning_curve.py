"""Accuracy by labels per class: `tfsenti train` with its defaults against SetFit on the same
checkpoint, at 8 to 1,024 labelled texts per class, several random draws per size.

Usage: python benchmarks/learning_curve.py [--tasks sst2,imdb] [--sizes 8,16,32,64,256,1024]
       [--draws 5] [--no-peer] [--peer-sizes 8,16,32,64] [--results FILE] [--plot FILE]
       [-- TRAIN OPTIONS]                                  (data: benchmarks/bench_data.py)

- sst2: each draw takes N sentences of each class from the SST-2 training phrases of 8 or more
  words (whole-sentence-like texts, not two-word fragments), and is evaluated on `sst2/dev.tsv`
  (1,000 whole sentences none of whose phrases is in train).
- imdb: the 25,000 reviews of `aclImdb_train` are shuffled once (seed 0) and halved; draws come
  from the first half, and 2,000 reviews of the second half are the evaluation set.

Draw d of size N uses seed 1000 * N + d for the sample and seed 42 + d for training, the same
texts for both systems. tfsenti runs `tfsenti train FEW.tsv --test EVAL.tsv --quiet` with nothing
else (validation is its default split of the training texts: the evaluation texts never choose
anything); SetFit runs `benchmarks/setfit_peer.py` in `.venv-peer` with its default arguments.
`--peer-sizes` limits the peer to the sizes it finishes: its pairs grow with N squared (8,192
steps of 16 pairs at 256 per class), tfsenti's with N.

Every run appends a JSON line to `--results` (default
`benchmarks/results/learning_curve.jsonl`, kept in git as the record behind BENCHMARKS.md), and
runs already there are skipped, so an interrupted benchmark continues where it stopped. Printed
at the end: a table of the mean, the spread (max - min) and the mean training seconds per task,
size and system, the PNG of the curves with error bars (one standard deviation), and the last line
`task=sst2 n8=... setfit_n8=... ... ahead_min=...`, where `ahead_min` is the smallest
tfsenti - SetFit difference of means in points over the sizes both ran (one such line per task).
`--draws 0` runs nothing and reports the results already in `--results`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bench_data import SST2, imdb_reviews
from tfsenti.cli import main as tfsenti_main
from tfsenti.encoders.default import checkpoint_dir

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE.parent / ".venv-peer" / "bin" / "python"
IMDB_EVAL = 2000
LABELS = {"tfsenti": "tfsenti, defaults", "setfit": "SetFit 1.2.0, defaults"}
MIN_WORDS = 8  # SST-2 training phrases shorter than this are fragments, not reviews' sentences


def read_tsv(path: Path) -> tuple[list[str], list[int]]:
    """(texts, labels) of a `sentence<TAB>label` file with a header line."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return [text for text, _ in rows], [int(label) for _, label in rows]


def task_data(task: str) -> tuple[tuple[list[str], list[int]], tuple[list[str], list[int]]]:
    """((pool texts, labels) to draw training texts from, (evaluation texts, labels))."""
    if task == "sst2":
        texts, labels = read_tsv(SST2 / "train.tsv")
        keep = [i for i, text in enumerate(texts) if len(text.split()) >= MIN_WORDS]
        return ([texts[i] for i in keep], [labels[i] for i in keep]), read_tsv(SST2 / "dev.tsv")
    texts, labels = imdb_reviews()
    order = np.random.default_rng(0).permutation(len(texts))
    half = len(order) // 2
    pool, held_out = order[:half], order[half:half + IMDB_EVAL]
    return (([texts[i] for i in pool], [labels[i] for i in pool]),
            ([texts[i] for i in held_out], [labels[i] for i in held_out]))


def draw(pool: tuple[list[str], list[int]], per_class: int, seed: int
         ) -> tuple[list[str], list[int]]:
    """`per_class` random texts of each class of `pool` (seeded), shuffled together."""
    texts, labels = pool
    rng = np.random.default_rng(seed)
    labels_array = np.asarray(labels)
    chosen = np.concatenate([rng.choice(np.flatnonzero(labels_array == c), per_class,
                                        replace=False) for c in np.unique(labels_array)])
    chosen = rng.permutation(chosen)
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def write_tsv(path: Path, texts: list[str], labels: list[int]) -> Path:
    """A `text<TAB>label` table (tabs and line breaks inside texts become spaces)."""
    clean = [" ".join(text.split()) for text in texts]
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in zip(clean, labels)),
                    encoding="utf-8")
    return path


def run_tfsenti(work: Path, train: Path, evaluation: Path, seed: int, extra: list[str]) -> dict:
    """One `tfsenti train` run: its test accuracy, training seconds, plan and calibration error
    (ECE of the served probabilities, and before calibration)."""
    out = work / "model"
    start = time.monotonic()
    code = tfsenti_main(["train", str(train), "--test", str(evaluation), "--out", str(out),
                         "--overwrite", "--quiet", "--seed", str(seed), *extra])
    if code != 0:
        raise SystemExit(code)
    metrics = json.loads((out / "metrics.json").read_text())
    history = json.loads((out / "history.json").read_text())
    calibration = metrics["test"]["calibration"]
    return {"accuracy": metrics["test"]["accuracy"], "train_seconds": history["train_seconds"],
            "run_seconds": round(time.monotonic() - start, 1), "plan": history.get("plan"),
            "ece": calibration["ece"], "ece_before": calibration.get("ece_before")}


def run_setfit(train: tuple[list[str], list[int]], evaluation: tuple[list[str], list[int]],
               seed: int) -> dict:
    """One SetFit run (`setfit_peer.py` in `.venv-peer`)."""
    job = {"checkpoint": str(checkpoint_dir()), "seed": seed,
           "train_texts": train[0], "train_labels": train[1],
           "eval_texts": evaluation[0], "eval_labels": evaluation[1]}
    done = subprocess.run([str(PEER_PYTHON), str(HERE / "setfit_peer.py")], input=json.dumps(job),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the SetFit peer failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def summarize(results: list[dict], task: str, system: str) -> dict[int, dict]:
    """Size -> {"mean", "min", "max", "spread", "std", "seconds", "draws"} of one task's runs of
    one system."""
    sizes = sorted({r["size"] for r in results if r["task"] == task and r["system"] == system})
    table = {}
    for size in sizes:
        runs = [r for r in results
                if r["task"] == task and r["system"] == system and r["size"] == size]
        accuracies = [r["accuracy"] for r in runs]
        table[size] = {"mean": statistics.mean(accuracies), "min": min(accuracies),
                       "max": max(accuracies), "spread": max(accuracies) - min(accuracies),
                       "std": statistics.pstdev(accuracies),
                       "seconds": statistics.mean(r["train_seconds"] for r in runs),
                       "draws": len(runs)}
    return table


def plot(curves: dict[str, dict[str, dict[int, dict]]], path: Path) -> None:
    """One panel per task: mean accuracy by labels per class, one standard deviation as bars."""
    fig = Figure(figsize=(6 * len(curves), 4.5))
    axes = fig.subplots(1, len(curves), squeeze=False)[0]
    for ax, (task, systems) in zip(axes, curves.items()):
        for system, table in systems.items():
            sizes = sorted(table)
            ax.errorbar(sizes, [table[n]["mean"] for n in sizes],
                        yerr=[table[n]["std"] for n in sizes], marker="o", capsize=3,
                        label=LABELS[system])
        ax.set_xscale("log", base=2)
        shown = sorted({n for table in systems.values() for n in table})
        ax.set_xticks(shown, [str(n) for n in shown])
        ax.set_xlabel("labelled texts per class")
        ax.set_ylabel("accuracy")
        ax.set_title({"sst2": "SST-2 (dev.tsv)", "imdb": "IMDB (2,000 held-out reviews)"}[task])
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="sst2,imdb")
    parser.add_argument("--sizes", default="8,16,32,64,256,1024")
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true", help="tfsenti only")
    parser.add_argument("--peer-sizes", default="8,16,32,64",
                        help="the sizes SetFit runs at (its pairs grow with N squared)")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "learning_curve.jsonl")
    parser.add_argument("--plot", type=Path, default=HERE / "learning_curve.png")
    parser.add_argument("train_options", nargs=argparse.REMAINDER,
                        help="after --: options passed to tfsenti train")
    args = parser.parse_args()
    extra = [a for a in args.train_options if a != "--"]
    tasks, sizes = args.tasks.split(","), [int(n) for n in args.sizes.split(",")]
    peer_sizes = set() if args.no_peer else {int(n) for n in args.peer_sizes.split(",")}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    results = ([json.loads(line) for line in args.results.read_text().splitlines()]
               if args.results.is_file() else [])
    done = {(r["task"], r["system"], r["size"], r["draw"]) for r in results}
    with tempfile.TemporaryDirectory(prefix="tfsenti-curve-") as tmp:
        work = Path(tmp)
        for task in tasks:
            pool, evaluation = task_data(task)
            eval_file = write_tsv(work / f"{task}_eval.tsv", *evaluation)
            for d in range(args.draws):  # all sizes of a draw before the next draw
                for size in sizes:
                    train = draw(pool, size, 1000 * size + d)
                    for system in ("tfsenti", "setfit"):
                        if (task, system, size, d) in done or (
                                system == "setfit" and size not in peer_sizes):
                            continue
                        if system == "tfsenti":
                            result = run_tfsenti(work, write_tsv(work / "few.tsv", *train),
                                                 eval_file, 42 + d, extra)
                        else:
                            result = run_setfit(train, evaluation, 42 + d)
                        row = {"task": task, "system": system, "size": size, "draw": d,
                               **result}
                        print(json.dumps(row), flush=True)
                        with args.results.open("a") as f:
                            f.write(json.dumps(row) + "\n")
                        results.append(row)
    curves = {task: {system: summarize(results, task, system) for system in ("tfsenti", "setfit")
                     if summarize(results, task, system)} for task in tasks}
    print("\n| task | labels per class | tfsenti mean (min-max) | SetFit mean (min-max) | tfsenti s "
          "| SetFit s | draws |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for task, systems in curves.items():
        ours, peer = systems.get("tfsenti", {}), systems.get("setfit", {})
        for size in sorted(set(ours) | set(peer)):
            def cell(table, key):
                if size not in table:
                    return "-"
                row = table[size]
                return (f"{row['mean']:.3f} ({row['min']:.3f}-{row['max']:.3f})" if key == "acc"
                        else f"{row['seconds']:.0f}")
            draws = max(t[size]["draws"] for t in (ours, peer) if size in t)
            print(f"| {task} | {size} | {cell(ours, 'acc')} | {cell(peer, 'acc')} | "
                  f"{cell(ours, 's')} | {cell(peer, 's')} | {draws} |")
    plot(curves, args.plot)
    print(f"\nplot: {args.plot}")
    for task, systems in curves.items():
        ours, peer = systems.get("tfsenti", {}), systems.get("setfit", {})
        fields = [f"n{n}={ours[n]['mean']:.4f}" for n in sorted(ours)]
        fields += [f"setfit_n{n}={peer[n]['mean']:.4f}" for n in sorted(peer)]
        both = [100 * (ours[n]["mean"] - peer[n]["mean"]) for n in ours if n in peer]
        ahead = f"{min(both):+.2f}" if both else "none"
        print(f"task={task} {' '.join(fields)} ahead_min={ahead}")


if __name__ == "__main__":
    main()
