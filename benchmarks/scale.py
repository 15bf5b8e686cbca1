"""`tfsenti train BIG.csv` at 10k, 100k and 1M rows: seconds from the command's start to the first
optimizer step, training examples a second once running, peak memory.

Usage: python benchmarks/scale.py [--rows 10000,100000,1000000] [--minutes 3] [--work DIR]
                                                               (data: benchmarks/bench_data.py)

Each table's rows join two SST-2 training phrases of the same label (`text,label`; 26 tokens a
row on average, nearly every row distinct), as a user's table of short reviews. `train` runs as a
user runs it, in its own process, with `--time-budget MINUTES --epochs 1` and `--val-split` holding
out 1,000 rows at every size, so the end-of-epoch validation costs the same at every size. The
script polls the process's peak resident memory (VmHWM) and reads the run's log line `first step
done N s after the start`; training ex/s is the steps after the first times the batch over the
seconds from the first step to the end of training (`train_seconds` in the export's
config.json), the validation pass of 1,000 rows included. Scoring a big table
(`predict --file`) has its own script, benchmarks/batch_scoring.py. The last line:
`rows=... first_step_s=... train_ex_per_s=... peak_rss_mb=...` for each size, `;`-separated.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from batch_scoring import peak_rss_mb
from bench_data import SST2

BATCH = 32  # the default batch size
VALIDATION = 1_000  # rows held out at every size


def pair_table(path: Path, rows: int, seed: int = 0) -> Path:
    """`rows` rows, each two random SST-2 training phrases of one label and that label."""
    phrases = [line.split("\t") for line in
               (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    by_label = {label: [text for text, y in phrases if y == label] for label in ("0", "1")}
    rng = np.random.default_rng(seed)
    labels = rng.choice(["0", "1"], rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for label in labels:
            pool = by_label[label]
            first, second = rng.integers(len(pool), size=2)
            writer.writerow([f"{pool[first]} {pool[second]}", label])
    return path


def train_run(table: Path, rows: int, out: Path, minutes: float) -> dict:
    """Run `tfsenti train` on `table` of `rows` rows; its first-step seconds, ex/s once running,
    peak RSS."""
    command = [sys.executable, "-m", "tfsenti", "train", str(table), "--epochs", "1",
               "--val-split", str(VALIDATION / rows), "--time-budget", str(minutes),
               "--out", str(out), "--overwrite"]
    with tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, peak_rss_mb(process.pid))
            time.sleep(0.5)
        err.seek(0)
        log = err.read()
    if process.returncode != 0:
        raise SystemExit(f"train failed on {table}:\n{log[-3000:]}")
    first = float(re.search(r"first step done ([\d.]+) s after the start", log).group(1))
    info = json.loads((out / "config.json").read_text())
    steps, seconds = info["steps"], info["train_seconds"]
    return {"rows": rows, "first_step_s": first,
            "steps": steps, "train_seconds": seconds,
            "train_ex_per_s": round((steps - 1) * BATCH / (seconds - first), 1),
            "peak_rss_mb": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000")
    parser.add_argument("--minutes", type=float, default=3.0, help="--time-budget of each run")
    parser.add_argument("--work", type=Path, default=None, help="where the tables go")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tfsenti-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in (int(r) for r in args.rows.split(",")):
        table = pair_table(work / f"pairs_{rows}.csv", rows)
        result = train_run(table, rows, work / f"model_{rows}", args.minutes)
        print(json.dumps(result), flush=True)
        results.append(result)
    print(";".join(" ".join(f"{key}={result[key]}" for key in
                            ("rows", "first_step_s", "train_ex_per_s", "peak_rss_mb"))
                   for result in results))


if __name__ == "__main__":
    main()
