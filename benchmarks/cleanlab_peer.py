"""The cleanlab peer of `benchmarks/label_noise.py`: cleanlab 2.9's `find_label_issues` on given
labels and out-of-fold probabilities.

Run inside `.venv-peer` (`make bench-peer-setup`). Reads a JSON job on stdin (`labels`,
`probabilities`), prints one JSON line: for each `filter_by` rule (the default,
`prune_by_noise_rate`, first) the flagged indices, ranked by self-confidence as cleanlab ranks
them.
"""

import json
import sys

import numpy as np
from cleanlab.filter import find_label_issues

RULES = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning",
         "predicted_neq_given")


def main() -> None:
    job = json.load(sys.stdin)
    labels, probabilities = np.asarray(job["labels"]), np.asarray(job["probabilities"])
    flagged = {rule: find_label_issues(labels, probabilities, filter_by=rule, n_jobs=1,
                                       return_indices_ranked_by="self_confidence").tolist()
               for rule in RULES}
    print(json.dumps(flagged))


if __name__ == "__main__":
    main()
