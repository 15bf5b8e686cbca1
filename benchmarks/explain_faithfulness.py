"""Are `tfsenti explain`'s attributions faithful? Delete each text's most attributed words and
see whether the model's confidence falls further than when as many random words go.

Usage: python benchmarks/explain_faithfulness.py --model MODEL [--sentences 200] [--share 0.2]
       [--random-draws 5]                                  (data: benchmarks/bench_data.py)

Takes `--sentences` seeded random sentences of SST-2 `dev.tsv`. For each, the model's words (as
`explain` reads them, joined by spaces: the text the model sees, lower-cased for an uncased
vocabulary) are scored whole; then the ceil(`--share` x words) words with the largest
attributions toward the predicted class are deleted, and separately as many words drawn at
random (`--random-draws` draws, averaged). Reported: the mean fall of the predicted class's
probability for each, the share of sentences where deleting the top words hurt more, and the
seconds `explain` took per sentence. Last line: `sentences=N share=S top_drop=... random_drop=...
top_wins=... seconds_per_sentence=...`.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from bench_data import SST2
from tfsenti.evaluation.explain import Explainer
from tfsenti.inference.predictor import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--random-draws", type=int, default=5)
    args = parser.parse_args()
    rows = [line.split("\t")[0] for line in
            (SST2 / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    rng = np.random.default_rng(0)
    texts = [rows[i] for i in rng.choice(len(rows), args.sentences, replace=False)]
    explainer, classifier = Explainer.from_folder(args.model), load(args.model)
    explainer.explain(texts[:2])  # traced once, as on a user's second call
    start = time.perf_counter()
    explanations = explainer.explain(texts)
    seconds = (time.perf_counter() - start) / len(texts)
    whole, top, rand = [], [], []
    for e in explanations:
        k = max(1, math.ceil(args.share * len(e.words)))
        order = np.argsort(e.attributions)[::-1]
        whole.append(" ".join(e.words))
        top.append(" ".join(w for i, w in enumerate(e.words) if i not in set(order[:k])))
        for _ in range(args.random_draws):
            gone = set(rng.choice(len(e.words), k, replace=False))
            rand.append(" ".join(w for i, w in enumerate(e.words) if i not in gone))
    label = {name: i for i, name in enumerate(classifier.class_names)}
    target = np.array([label[e.label] for e in explanations])
    full = classifier.predict(whole).probabilities[np.arange(len(target)), target]
    after_top = classifier.predict(top).probabilities[np.arange(len(target)), target]
    after_random = classifier.predict(rand).probabilities[  # rows: sentence by sentence
        np.arange(len(rand)), np.repeat(target, args.random_draws)].reshape(
            len(target), args.random_draws).mean(axis=1)
    top_drop, random_drop = full - after_top, full - after_random
    print(f"{len(texts)} SST-2 dev sentences, {args.share:.0%} of each one's words deleted: "
          f"the predicted class's probability falls by {top_drop.mean():.4f} when the most "
          f"attributed words go, {random_drop.mean():.4f} when random words go "
          f"({args.random_draws} draws); the top words hurt more on "
          f"{np.mean(top_drop > random_drop):.0%} of sentences; explain took {seconds:.2f} s a "
          "sentence")
    print(f"sentences={len(texts)} share={args.share:g} top_drop={top_drop.mean():.4f} "
          f"random_drop={random_drop.mean():.4f} top_wins={np.mean(top_drop > random_drop):.3f} "
          f"seconds_per_sentence={seconds:.3f}")


if __name__ == "__main__":
    main()
