"""How long building a classifier and saving it as a raw-string SavedModel take: the fixed cost
of every `tfsenti train` (a build, then the export), `save_model` and `export`, whatever the
data. Both are mostly graph tracing, so they cost the same on a laptop and on a server.

Usage: python benchmarks/export_time.py [--encoder E] [--truncate T] [--repeats N]

Each repeat builds a fresh classifier (`seq_len` 256, float32) and saves it to a temporary folder, in one
process; the first repeat also loads TensorFlow's kernels and is reported apart. Last line:
`encoder=... truncate=... build_seconds=... save_seconds=...` (medians of the later repeats).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tfsenti import TrainConfig, build_classifier, save_model
from tfsenti.config import DEFAULT_ENCODER


def timed_export(config: TrainConfig, folder: Path) -> tuple[float, float]:
    """(seconds to build the classifier of `config`, seconds to save it into `folder`)."""
    start = time.perf_counter()
    model = build_classifier(config, 2)
    built = time.perf_counter()
    save_model(model, ["neg", "pos"], folder)
    return built - start, time.perf_counter() - built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default=DEFAULT_ENCODER)
    parser.add_argument("--truncate", default="head+tail", choices=("head", "tail", "head+tail"))
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    config = TrainConfig(encoder=args.encoder, truncate=args.truncate, seq_len=256,
                         precision="float32")
    with tempfile.TemporaryDirectory() as work:
        times = [timed_export(config, Path(work) / f"model{i}") for i in range(args.repeats)]
    for i, (build, save) in enumerate(times):
        print(f"repeat {i + 1}{' (first)' if i == 0 else ''}: build {build:.2f} s, save {save:.2f} s")
    later = times[1:] or times
    print(f"encoder={args.encoder} truncate={args.truncate} "
          f"build_seconds={statistics.median(b for b, _ in later):.2f} "
          f"save_seconds={statistics.median(s for _, s in later):.2f}")


if __name__ == "__main__":
    main()
