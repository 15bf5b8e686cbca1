"""The Hugging Face peer of `benchmarks/accuracy.py --peer`: the same checkpoint fine-tuned with
transformers' `Trainer` and its usual recipe, for a given number of wall-clock minutes.

Run by benchmarks/accuracy.py inside `.venv-peer` (torch==2.13.0, transformers<5), never in
tfsenti's own environment. Reads a JSON job on stdin (checkpoint folder, training, validation and
test texts and labels, learning rate, epochs, batch size, seed, minutes), prints one JSON line.

The recipe: AdamW at `lr` with linear decay after 10% warmup (as tfsenti), batch 32, dynamic
padding (`DataCollatorWithPadding`), evaluation on the validation texts after every epoch and the
best epoch's weights kept (`load_best_model_at_end`). Training stops at the first step after its
minutes are up, and that last state is evaluated and can be the one kept.
"""

import json
import sys
import time

import numpy as np
import torch
from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                          DataCollatorWithPadding, Trainer, TrainerCallback, TrainingArguments)

MAX_LENGTH = 256


class Texts(torch.utils.data.Dataset):
    def __init__(self, tokenizer, texts, labels):
        self.encodings = tokenizer(texts, truncation=True, max_length=MAX_LENGTH)
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {**{k: v[i] for k, v in self.encodings.items()}, "labels": self.labels[i]}


class WallClockBudget(TrainerCallback):
    """Stop once `seconds` have passed since training began, evaluating that last state."""

    def __init__(self, seconds: float):
        self.seconds, self.start = seconds, None

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.monotonic()

    def on_step_end(self, args, state, control, **kwargs):
        if time.monotonic() - self.start >= self.seconds:
            control.should_training_stop = True
            control.should_evaluate = control.should_save = True
        return control


def accuracy(prediction) -> dict:
    return {"accuracy": float(np.mean(np.argmax(prediction.predictions, -1) == prediction.label_ids))}


def main() -> None:
    job = json.load(sys.stdin)
    torch.manual_seed(job["seed"])
    tokenizer = AutoTokenizer.from_pretrained(job["checkpoint"])
    model = AutoModelForSequenceClassification.from_pretrained(job["checkpoint"], num_labels=2)
    data = {split: Texts(tokenizer, job[f"{split}_texts"], job[f"{split}_labels"])
            for split in ("train", "validation", "test")}
    arguments = TrainingArguments(
        output_dir=job["work"], learning_rate=job["lr"], num_train_epochs=job["epochs"],
        per_device_train_batch_size=job["batch_size"], per_device_eval_batch_size=64,
        warmup_ratio=0.1, weight_decay=0.01, lr_scheduler_type="linear", seed=job["seed"],
        eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True,
        metric_for_best_model="accuracy", save_total_limit=2, logging_strategy="no",
        report_to=[], disable_tqdm=True, use_cpu=True)
    trainer = Trainer(model=model, args=arguments, train_dataset=data["train"],
                      eval_dataset=data["validation"], compute_metrics=accuracy,
                      data_collator=DataCollatorWithPadding(tokenizer),
                      callbacks=[WallClockBudget(60 * job["minutes"])])
    start = time.monotonic()
    trainer.train()
    train_minutes = (time.monotonic() - start) / 60
    test = trainer.evaluate(data["test"], metric_key_prefix="test")
    print(json.dumps({"accuracy": test["test_accuracy"], "train_minutes": train_minutes,
                      "steps": trainer.state.global_step,
                      "planned_steps": trainer.state.max_steps,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
