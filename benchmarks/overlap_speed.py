"""How long the leakage guard takes on real data, and what it finds.

Usage: python benchmarks/overlap_speed.py      (data: benchmarks/bench_data.py)

IMDB: the 25,000 training reviews split 20,000 / 5,000 as `tfsenti train --val-split 0.2` does.
SST-2: `train.tsv` (phrases) against `dev.tsv` (whole sentences). Last line:
`imdb_seconds=... imdb_overlap=... sst2_seconds=... sst2_overlap=...`.
"""

from __future__ import annotations

import time

import numpy as np

from bench_data import SST2, imdb_reviews
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
    texts, labels = imdb_reviews()
    train, val = LabeledTexts(texts, np.array(labels), ["neg", "pos"], "imdb").split(0.2, seed=42)
    imdb = timed(train.texts, val.texts, "IMDB")
    sst2 = timed(load_dataset(SST2 / "train.tsv").texts, load_dataset(SST2 / "dev.tsv").texts,
                 "SST-2")
    print(f"imdb_seconds={imdb[0]:.1f} imdb_overlap={imdb[1]} sst2_seconds={sst2[0]:.1f} "
          f"sst2_overlap={sst2[1]}")


if __name__ == "__main__":
    main()
