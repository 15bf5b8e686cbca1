"""Which validation texts should the temperature be fitted on? A trained model's own predictions,
refitted two ways: on every validation text, and on those that share no text with training.

Usage: python benchmarks/calibration_split.py MODEL_FOLDER

MODEL_FOLDER is a `tfsenti train` output with a test split (e.g. `accuracy.py --task sst2 --val
split --keep`, which leaves /tmp/tfsenti-accuracy/model_sst2). Its `predictions.csv` holds the
served probabilities; they are turned back into logits (log-odds, with the saved temperature
undone), the training run's split is rebuilt from `config.json` (same data, seed and
`--val-split`), and the overlap guard (`tfsenti.data.overlap.find_overlap`) marks the validation
texts that equal, lie inside or contain a training text. Printed: the test ECE and Brier score
uncalibrated, with the temperature fitted on all validation texts, and with the one fitted on the
fresh ones. Last line: `ece_none=... ece_all=... ece_fresh=... t_all=... t_fresh=...`.
Probabilities were written with 6 decimals, so logits past about +-13 are clipped there.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

from tfsenti.config import TrainConfig
from tfsenti.data.overlap import find_overlap
from tfsenti.evaluation.calibration import calibration_metrics, fit_temperature
from tfsenti.workflow import load_splits

EPS = 1e-6


def split_logits(rows: list[dict], split: str, positive: str, temperature: float
                 ) -> np.ndarray:
    """The uncalibrated logits [N, 1] of a binary model's rows of one split."""
    p = np.clip(np.array([float(r[f"p_{positive}"]) for r in rows if r["split"] == split]),
                EPS, 1 - EPS)
    return (np.log(p / (1 - p)) * temperature)[:, None]


def probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    positive = 1 / (1 + np.exp(-logits[:, 0] / temperature))
    return np.c_[1 - positive, positive]


def main() -> None:
    folder = Path(sys.argv[1])
    saved = json.loads((folder / "config.json").read_text())
    names, temperature = saved["class_names"], saved.get("temperature") or 1.0
    with (folder / "predictions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    config = TrainConfig.load(folder)
    data = saved["data"]
    splits = load_splits(config, data["train"], data["val"], data["test"])
    val, test = splits["validation"], splits["test"]
    val_logits = split_logits(rows, "validation", names[1], temperature)
    test_logits = split_logits(rows, "test", names[1], temperature)
    assert len(val_logits) == len(val) and len(test_logits) == len(test)
    seen = find_overlap(splits["train"].shown_texts(), val.shown_texts())
    fresh = np.ones(len(val), bool)
    fresh[seen.identical + seen.inside + seen.containing] = False
    t_all = fit_temperature(val_logits, val.labels)
    t_fresh = fit_temperature(val_logits[fresh], val.labels[fresh])
    results = {}
    for name, t in (("none", 1.0), ("all", t_all), ("fresh", t_fresh)):
        results[name] = calibration_metrics(test.labels, probabilities(test_logits, t))
        print(f"temperature {t:.3f} ({name}): test ECE {results[name]['ece']:.4f}, Brier "
              f"{results[name]['brier']:.4f}")
    print(f"validation: {len(val)} texts, {fresh.sum()} share no text with training; test: "
          f"{len(test)} texts")
    print(f"ece_none={results['none']['ece']:.4f} ece_all={results['all']['ece']:.4f} "
          f"ece_fresh={results['fresh']['ece']:.4f} t_all={t_all:.3f} t_fresh={t_fresh:.3f}")


if __name__ == "__main__":
    main()
