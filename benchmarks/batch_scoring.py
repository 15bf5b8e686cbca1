"""`tfsenti predict --file BIG.csv --out SCORED.csv` on a million-row table: how soon the first
rows are written, rows per second, peak memory, and an interrupted run resumed.

Usage: python benchmarks/batch_scoring.py --model MODEL [--rows 1000000] [--seconds 120]
       [--work DIR]                                          (data: benchmarks/bench_data.py)

The table repeats SST-2's training phrases (`text,label`) up to `--rows` rows. `predict` runs as a
user runs it, in its own process; this script polls the run's record (`SCORED.csv.partial.json`)
and the process's peak resident memory (VmHWM), sends Ctrl-C (SIGINT) after `--seconds`, then
runs the same command with `--resume` for `--seconds` more and checks that the rows go on where
they stopped. The last line: `first_rows_s=... rows_per_s=... peak_rss_mb=... resumed_at=...`.
"""

from __future__ import annotations

import argparse
import csv
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_data import SST2


def big_table(path: Path, rows: int) -> Path:
    """`rows` rows of SST-2 training phrases, repeated in order, as `text,label`."""
    phrases = [line.split("\t") for line in
               (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for i in range(rows):
            writer.writerow(phrases[i % len(phrases)])
    return path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_for(command: list[str], record: Path, seconds: float) -> dict:
    """Run `command` for `seconds` (or until it ends), then SIGINT it; the rows recorded over
    time, its peak memory and what it printed."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               # Ctrl-C reaches it even when this script runs in the background
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first, peak, rows = None, 0.0, 0
    while process.poll() is None and time.monotonic() - start < seconds:
        time.sleep(0.5)
        try:
            peak = max(peak, peak_rss_mb(process.pid))
            rows = json.loads(record.read_text())["rows"]
        except (OSError, ValueError, KeyError):
            continue
        first = first or time.monotonic() - start
    elapsed = time.monotonic() - start
    process.send_signal(signal.SIGINT)
    out, err = process.communicate()
    return {"first_rows_s": first, "rows": rows, "seconds": elapsed, "peak_rss_mb": peak,
            "stderr_tail": err.strip().splitlines()[-1:] if err.strip() else [], "stdout": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="batch-scoring-"))
    work.mkdir(parents=True, exist_ok=True)
    table = big_table(work / "big.csv", args.rows)
    print(f"{table}: {args.rows:,} rows, {table.stat().st_size / 1e6:.0f} MB")
    scored = work / "scored.csv"
    command = [sys.executable, "-m", "tfsenti", "predict", "--model", args.model, "--file",
               str(table), "--out", str(scored), "--quiet"]
    record = work / "scored.csv.partial.json"
    first = run_for(command, record, args.seconds)
    print(f"first run: first rows recorded after {first['first_rows_s']:.1f} s, "
          f"{first['rows']:,} rows in {first['seconds']:.0f} s, peak RSS "
          f"{first['peak_rss_mb']:.0f} MB; it said {first['stderr_tail']}")
    second = run_for([*command, "--resume"], record, args.seconds)
    with (work / "scored.csv.partial").open(encoding="utf-8") as f:
        written = sum(1 for _ in csv.reader(f)) - 1
    print(f"resumed: {second['rows']:,} rows recorded in all after {second['seconds']:.0f} s "
          f"more, peak RSS {second['peak_rss_mb']:.0f} MB; the partial file holds {written:,} "
          f"rows; it said {second['stderr_tail']}")
    rate = first["rows"] / max(first["seconds"] - first["first_rows_s"], 1e-9)
    print(f"first_rows_s={first['first_rows_s']:.1f} rows_per_s={rate:.0f} "
          f"peak_rss_mb={max(first['peak_rss_mb'], second['peak_rss_mb']):.0f} "
          f"resumed_at={first['rows']} rows_after_resume={second['rows']}")


if __name__ == "__main__":
    main()
