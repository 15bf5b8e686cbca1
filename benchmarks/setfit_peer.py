"""The SetFit peer of `benchmarks/learning_curve.py`: SetFit (Tunstall et al. 2022) on the same
checkpoint as tfsenti's default encoder, with SetFit's own default training arguments.

Run by benchmarks/learning_curve.py inside `.venv-peer` (`make bench-peer-setup`: setfit 1.2.0,
torch CPU), never in tfsenti's own environment. Reads a JSON job on stdin (checkpoint folder,
training texts and labels, evaluation texts and labels, seed), prints one JSON line: accuracy on
the evaluation texts and the seconds `Trainer.train` took.

SetFit's defaults: one epoch over pairs of training texts drawn by "oversampling" (every pair,
the rarer kind repeated until same-class and different-class pairs are equally many), batch 16,
body learning rate 2e-5, CosineSimilarityLoss, then scikit-learn's LogisticRegression head on the
sentence embeddings. `output_dir` (a temporary folder for its checkpoints) and `report_to="none"`
(no experiment trackers) change nothing in training.
"""

import json
import sys
import tempfile
import time

import numpy as np
from datasets import Dataset
from setfit import SetFitModel, Trainer, TrainingArguments


def main() -> None:
    job = json.load(sys.stdin)
    model = SetFitModel.from_pretrained(job["checkpoint"])
    with tempfile.TemporaryDirectory(prefix="setfit-") as work:  # its checkpoints go there
        arguments = TrainingArguments(output_dir=work, seed=job["seed"], report_to="none")
        trainer = Trainer(model=model, args=arguments, train_dataset=Dataset.from_dict(
            {"text": job["train_texts"], "label": job["train_labels"]}))
        start = time.monotonic()
        trainer.train()
        seconds = time.monotonic() - start
    predicted = np.asarray(model.predict(job["eval_texts"], batch_size=64))
    accuracy = float(np.mean(predicted == np.asarray(job["eval_labels"])))
    print(json.dumps({"accuracy": accuracy, "train_seconds": round(seconds, 1)}))


if __name__ == "__main__":
    main()
