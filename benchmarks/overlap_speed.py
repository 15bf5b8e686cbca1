"""How long the leakage guard takes on real data, and what it finds.

Usage: python benchmarks/overlap_speed.py [--rows 1000000]   (data: benchmarks/bench_data.py)

IMDB: the 25,000 training reviews split 20,000 / 5,000 as `tfsenti train --val-split 0.2` does.
SST-2: `train.tsv` (phrases) against `dev.tsv` (whole sentences). Rows: the table of
benchmarks/scale.py (each row two SST-2 training phrases of one label), 1,000 rows held out as
scale.py holds them out. Last line: `imdb_seconds=... imdb_overlap=... sst2_seconds=...
sst2_overlap=... rows_seconds=... rows_overlap=...`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_data import SST2, imdb_reviews
from scale import VALIDATION, pair_table
from tfsenti.data.loaders import load_dataset
from tfsenti.data.overlap import find_overlap
from tfsenti.data.texts import LabeledTexts


def timed(train: list[str], held_out: list[str], name: str) -> tuple[float, int]:
    start = time.perf_counter()
    overlap = find_overlap(train, held_out)
    seconds = time.perf_counter() - start
    print(f"{name}: {len(held_out):,} held-out texts against {len(train):,} training texts in "
          f"{seconds:.1f} s: {overlap.counts()}, {len(overlap.train_indices)} training texts involved")
    for held, seen in overlap.examples:
        print(f"    {held[:70]!r} ~ {seen[:70]!r}")
    return seconds, overlap.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        table = load_dataset(pair_table(Path(work) / "rows.csv", args.rows))
    train, held_out = table.split(VALIDATION / args.rows, seed=0)
    rows = timed(train.texts, held_out.texts, f"{args.rows:,} rows")
    texts, labels = imdb_reviews()
    train, val = LabeledTexts(texts, np.array(labels), ["neg", "pos"], "imdb").split(0.2, seed=42)
    imdb = timed(train.texts, val.texts, "IMDB")
    sst2 = timed(load_dataset(SST2 / "train.tsv").texts, load_dataset(SST2 / "dev.tsv").texts,
                 "SST-2")
    print(f"imdb_seconds={imdb[0]:.1f} imdb_overlap={imdb[1]} sst2_seconds={sst2[0]:.1f} "
          f"sst2_overlap={sst2[1]} rows_seconds={rows[0]:.1f} rows_overlap={rows[1]}")


if __name__ == "__main__":
    main()
