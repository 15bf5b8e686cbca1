"""How long building a classifier, saving it as a raw-string SavedModel and loading it back take:
the fixed cost of every `tfsenti train` (a build, then the export), `save_model` and `export`,
and of every `tfsenti predict`/`evaluate` start, whatever the data. All three are mostly graph
tracing and importing, so they cost the same on a laptop and on a server.

Usage: python benchmarks/export_time.py [--encoder E] [--truncate T] [--repeats N]

Each repeat builds a fresh classifier (`seq_len` 256, float32), saves it to a temporary folder
and loads it with `tfsenti.load`, in one process; the first repeat also loads TensorFlow's
kernels and is reported apart. Last line: `encoder=... truncate=... build_seconds=...
save_seconds=... load_seconds=...` (medians of the later repeats).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tfsenti import TrainConfig, build_classifier, load, save_model
from tfsenti.config import DEFAULT_ENCODER


def timed_export(config: TrainConfig, folder: Path) -> tuple[float, float, float]:
    """Seconds to build the classifier of `config`, to save it into `folder`, to load it."""
    start = time.perf_counter()
    model = build_classifier(config, 2)
    built = time.perf_counter()
    save_model(model, ["neg", "pos"], folder)
    saved = time.perf_counter()
    load(folder)
    return built - start, saved - built, time.perf_counter() - saved


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
    for i, (build, save, reload) in enumerate(times):
        print(f"repeat {i + 1}{' (first)' if i == 0 else ''}: build {build:.2f} s, "
              f"save {save:.2f} s, load {reload:.2f} s")
    medians = [statistics.median(column) for column in zip(*(times[1:] or times))]
    print(f"encoder={args.encoder} truncate={args.truncate} build_seconds={medians[0]:.2f} "
          f"save_seconds={medians[1]:.2f} load_seconds={medians[2]:.2f}")


if __name__ == "__main__":
    main()
