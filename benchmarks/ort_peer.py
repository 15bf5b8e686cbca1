"""The ONNX Runtime peer of `benchmarks/serving.py`: the same checkpoint fine-tuned with
transformers for the same minutes, exported to ONNX (fp32) and quantized with ONNX Runtime's
dynamic int8, the usual CPU-server recipe; the same measurements on the same sentences.

Run in `.venv-peer` (`make bench-peer-setup`: torch, transformers, onnx, onnxruntime), never
in tfsenti's environment:

    .venv-peer/bin/python benchmarks/ort_peer.py --checkpoint DIR --minutes 6 [--work DIR]
                                                 [--data sst2|imdb] [--texts N]

DIR is the Hugging Face checkpoint of the default encoder (`python -c "from
tfsenti.encoders.default import checkpoint_dir; print(checkpoint_dir())"`). Fine-tuning: AdamW
lr 5e-5, batch 32, linear decay after 10% warmup, dynamic padding, stopped after `--minutes` of
training; a `peer_fp32.onnx` already in `--work` is reused instead (so `--data imdb` after
`--data sst2` scores the same model). Timings include the Hugging Face fast tokenizer, as
tfsenti's include its tokenizer. Per format: file size, accuracy on SST-2 `dev.tsv` (`--data
sst2`) or on the IMDB reviews `serving.py --data imdb` draws (head-truncated to 256 tokens),
single-text latency p50/p95 on 1 thread, texts per second at batch 64 on 2 threads. Last line: `ort_fp32_per_s= ort_int8_per_s=
int8_drop= latency_p50_ms=`.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                          DataCollatorWithPadding, Trainer, TrainingArguments)

from bench_data import SST2, imdb_draw
from hf_accuracy_peer import Texts, WallClockBudget

BATCH = 64
MAX_LENGTH = 256  # tfsenti's default --seq-len


def read_tsv(path: Path) -> tuple[list[str], list[int]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["sentence"] for r in rows], [int(r["label"]) for r in rows]


def fine_tune(checkpoint: str, tokenizer, minutes: float, work: Path):
    texts, labels = read_tsv(SST2 / "train.tsv")
    dev = Texts(tokenizer, *read_tsv(SST2 / "dev.tsv"))  # the budget's stop evaluates once
    torch.manual_seed(42)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2)
    arguments = TrainingArguments(
        output_dir=str(work / "hf"), learning_rate=5e-5, num_train_epochs=3,
        per_device_train_batch_size=32, warmup_ratio=0.1, weight_decay=0.01,
        lr_scheduler_type="linear", seed=42, eval_strategy="no", save_strategy="no",
        logging_strategy="no", report_to=[], disable_tqdm=True, use_cpu=True)
    trainer = Trainer(model=model, args=arguments, train_dataset=Texts(tokenizer, texts, labels),
                      eval_dataset=dev, data_collator=DataCollatorWithPadding(tokenizer),
                      callbacks=[WallClockBudget(60 * minutes)])
    trainer.train()
    print(f"fine-tuned {trainer.state.global_step} of {trainer.state.max_steps} steps", flush=True)
    return model.eval()


def export_onnx(model, tokenizer, path: Path) -> None:
    sample = tokenizer(["a fine film", "dull"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(model, tuple(sample[n] for n in names), str(path), input_names=names,
                      output_names=["logits"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "logits"]})


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def predict(sess, tokenizer, texts: list[str]) -> np.ndarray:
    batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_LENGTH,
                      return_tensors="np")
    feeds = {i.name: batch[i.name].astype(np.int64) for i in sess.get_inputs()}
    return sess.run(["logits"], feeds)[0].argmax(-1)


def measure(path: Path, tokenizer, texts: list[str], labels: np.ndarray) -> dict:
    one, two = session(path, 1), session(path, 2)
    order = np.argsort([len(t) for t in texts], kind="stable")  # batches by length, as tfsenti
    predicted = np.zeros(len(texts), np.int64)
    for start in range(0, len(texts), BATCH):
        rows = order[start:start + BATCH]
        predicted[rows] = predict(one, tokenizer, [texts[i] for i in rows])
    for text in texts[:20]:
        predict(one, tokenizer, [text])
    times = []
    for text in texts:
        begin = time.perf_counter()
        predict(one, tokenizer, [text])
        times.append(1000 * (time.perf_counter() - begin))
    begin = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        predict(two, tokenizer, [texts[i] for i in order[start:start + BATCH]])
    return {"size_mib": path.stat().st_size / 2**20,
            "accuracy": float(np.mean(predicted == labels)),
            "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
            "batch64_per_s": len(texts) / (time.perf_counter() - begin)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--work", type=Path, default=Path("serving_bench"))
    parser.add_argument("--data", choices=["sst2", "imdb"], default="sst2")
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(args.checkpoint)
    fp32, int8 = args.work / "peer_fp32.onnx", args.work / "peer_int8.onnx"
    if not fp32.exists():
        export_onnx(fine_tune(args.checkpoint, tokenizer, args.minutes, args.work), tokenizer, fp32)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    if args.data == "sst2":
        texts, labels = read_tsv(SST2 / "dev.tsv")
        texts, labels = texts[:args.texts], labels[:args.texts]
    else:
        texts, labels = imdb_draw(args.texts or 500)
    rows = {name: measure(path, tokenizer, texts, np.asarray(labels))
            for name, path in (("ort_fp32", fp32), ("ort_int8", int8))}
    for name, r in rows.items():
        print(name, json.dumps({k: round(v, 4) for k, v in r.items()}))
    if args.json:
        args.json.write_text(json.dumps(rows))
    drop = 100 * (rows["ort_fp32"]["accuracy"] - rows["ort_int8"]["accuracy"])
    print(f"ort_fp32_per_s={rows['ort_fp32']['batch64_per_s']:.0f} "
          f"ort_int8_per_s={rows['ort_int8']['batch64_per_s']:.0f} int8_drop={drop:.2f} "
          f"latency_p50_ms={rows['ort_int8']['p50_ms']:.2f} torch={torch.__version__} "
          f"onnxruntime={ort.__version__} texts={len(texts)}")


if __name__ == "__main__":
    main()
