"""Hugging Face transformers (PyTorch) throughput on the same checkpoint, with dynamic padding.

Run by benchmarks/throughput.py inside `.venv-peer` (torch==2.13.0, transformers<5), never in
tfsenti's own environment. Reads a JSON job on stdin, prints one JSON line of results.
"""

import json
import resource
import sys
import time

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main() -> None:
    job = json.load(sys.stdin)
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(job["checkpoint"])
    model = AutoModelForSequenceClassification.from_pretrained(job["checkpoint"], num_labels=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01, eps=1e-6)
    texts, labels, seq_len = job["train_texts"], job["train_labels"], job["seq_len"]
    bs = job["train_batch"]

    def batches(items, size):
        return [items[i:i + size] for i in range(0, len(items), size)]

    model.train()
    timed = 0.0
    for step, (x, y) in enumerate(zip(batches(texts, bs), batches(labels, bs))):
        start = time.perf_counter()
        enc = tokenizer(x, padding="longest", truncation=True, max_length=seq_len, return_tensors="pt")
        loss = model(**enc, labels=torch.tensor(y)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        if step >= job["warmup_steps"]:
            timed += time.perf_counter() - start
    trained = len(texts) - job["warmup_steps"] * bs

    model.eval()
    infer = job["infer_texts"]
    with torch.no_grad():
        model(**tokenizer(infer[:job["infer_batch"]], padding="longest", truncation=True,
                          max_length=seq_len, return_tensors="pt"))  # warm-up
        start = time.perf_counter()
        for x in batches(infer, job["infer_batch"]):
            model(**tokenizer(x, padding="longest", truncation=True, max_length=seq_len,
                              return_tensors="pt"))
        infer_time = time.perf_counter() - start
    print(json.dumps({"train_ex_s": trained / timed, "infer_ex_s": len(infer) / infer_time,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))


if __name__ == "__main__":
    main()
