"""How well `tfsenti audit` finds wrong labels: SST-2 sentences with 5% of their labels flipped
at random, precision and recall of the flagged texts against the flips, beside cleanlab's own
`find_label_issues` on the same out-of-fold probabilities.

Usage: python benchmarks/label_noise.py [--texts 4000] [--noise 0.05] [--folds 4] [--seed 0]
       [--time-budget MINUTES] [--results FILE]            (data: benchmarks/bench_data.py)

Texts: SST-2 training phrases of 8 or more words, longest first, each kept only when it shares no
run of 5 words with a text kept before it: whole sentences, not a sentence and its own phrases
(which would let the model that predicts a sentence learn its label from a sibling). `--texts` of
them are drawn at random, half of each class, and `--noise` of their labels flipped (seeded).
tfsenti audits them with its defaults (`tfsenti.evaluation.audit.audit`, as `tfsenti audit` runs
it); cleanlab 2.9 (`benchmarks/cleanlab_peer.py` in `.venv-peer`) gets the same labels and
probabilities and flags with its default rule and its other `filter_by` rules. For each: texts
flagged, precision and recall against the flips, and for tfsenti's ranking (lowest probability of
the given label first) the precision where the ranked list first reaches recall 0.6. The last
line: `flagged=... precision=... recall=... cleanlab_precision=... cleanlab_recall=...
same_as_cleanlab=...`. The out-of-fold probabilities go to `--results` (.npz) for re-analysis.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bench_data import SST2
from tfsenti.config import TrainConfig
from tfsenti.evaluation.audit import audit, write_label_issues

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE.parent / ".venv-peer" / "bin" / "python"
MIN_WORDS = 8
SHARED_RUN = 5  # words: texts sharing a run this long are siblings, not different sentences


def sentences() -> tuple[list[str], np.ndarray]:
    """SST-2 training texts of `MIN_WORDS`+ words that share no `SHARED_RUN`-word run."""
    rows = [line.split("\t") for line in
            (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    rows = sorted((r for r in rows if len(r[0].split()) >= MIN_WORDS),
                  key=lambda r: -len(r[0].split()))
    seen, texts, labels = set(), [], []
    for text, label in rows:
        words = text.lower().split()
        runs = {tuple(words[i:i + SHARED_RUN]) for i in range(len(words) - SHARED_RUN + 1)}
        if runs & seen:
            continue
        seen |= runs
        texts.append(text)
        labels.append(int(label))
    return texts, np.asarray(labels)


def noisy_sample(count: int, noise: float, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, given labels, flipped mask): `count` texts, half of each class, `noise` of their
    labels flipped."""
    texts, labels = sentences()
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.choice(np.flatnonzero(labels == c), count // 2, replace=False)
                             for c in (0, 1)])
    chosen = rng.permutation(chosen)
    given = labels[chosen].copy()
    flipped = np.zeros(len(chosen), dtype=bool)
    flipped[rng.choice(len(chosen), round(noise * len(chosen)), replace=False)] = True
    given[flipped] = 1 - given[flipped]
    return [texts[i] for i in chosen], given, flipped


def scores(flagged: np.ndarray, flipped: np.ndarray) -> dict:
    """Texts flagged, and their precision and recall against the flips."""
    hits = int(flipped[flagged].sum())
    return {"flagged": int(len(flagged)), "precision": round(hits / max(len(flagged), 1), 4),
            "recall": round(hits / flipped.sum(), 4)}


def precision_at_recall(ranked: np.ndarray, flipped: np.ndarray, recall: float) -> float | None:
    """Precision of the shortest head of `ranked` that holds `recall` of the flips."""
    hits = np.cumsum(flipped[ranked])
    reach = np.flatnonzero(hits >= recall * flipped.sum())
    return None if not len(reach) else round(float(hits[reach[0]] / (reach[0] + 1)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-budget", type=float, default=None)
    parser.add_argument("--results", default=str(HERE / "results" / "label_noise.npz"))
    args = parser.parse_args()
    logging.basicConfig(format="%(asctime)s %(message)s", level=logging.INFO)

    texts, given, flipped = noisy_sample(args.texts, args.noise, args.seed)
    with tempfile.TemporaryDirectory(prefix="label-noise-") as work:
        table = Path(work) / "noisy.tsv"
        table.write_text("sentence\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in zip(texts, given)),
                         encoding="utf-8")
        result = audit(TrainConfig(time_budget=args.time_budget), table, args.folds, verbose=0)
        write_label_issues(result, Path(work) / "label_issues.csv")
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.results, probabilities=result.probabilities, given=given, flipped=flipped)
    job = {"labels": given.tolist(), "probabilities": result.probabilities.tolist()}
    done = subprocess.run([str(PEER_PYTHON), str(HERE / "cleanlab_peer.py")], input=json.dumps(job),
                          capture_output=True, text=True, check=True)
    peer = json.loads(done.stdout.splitlines()[-1])

    ours = scores(result.issues.indices, flipped)
    self_confidence = result.probabilities[np.arange(len(given)), given]
    ranked = np.argsort(self_confidence, kind="stable")
    print(f"{len(texts)} SST-2 sentences, {int(flipped.sum())} labels flipped; audit "
          f"{result.seconds:.0f} s, out-of-fold agreement with the given labels "
          f"{result.accuracy:.4f}, with the true labels "
          f"{np.mean(result.probabilities.argmax(1) == np.where(flipped, 1 - given, given)):.4f}")
    print("| rule | flagged | precision | recall |\n|---|---:|---:|---:|")
    print(f"| tfsenti audit | {ours['flagged']} | {ours['precision']} | {ours['recall']} |")
    for rule, flagged in peer.items():
        s = scores(np.asarray(flagged, dtype=int), flipped)
        print(f"| cleanlab `{rule}` | {s['flagged']} | {s['precision']} | {s['recall']} |")
    for recall in (0.4, 0.6, 0.8):
        print(f"tfsenti's ranking: precision {precision_at_recall(ranked, flipped, recall)} where "
              f"it first reaches recall {recall}")
    theirs = scores(np.asarray(peer["prune_by_noise_rate"], dtype=int), flipped)
    same = list(result.issues.indices) == peer["prune_by_noise_rate"]
    print(f"flagged={ours['flagged']} precision={ours['precision']} recall={ours['recall']} "
          f"cleanlab_precision={theirs['precision']} cleanlab_recall={theirs['recall']} "
          f"same_as_cleanlab={same}")


if __name__ == "__main__":
    main()
