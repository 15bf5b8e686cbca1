"""Test helpers: tiny Hugging Face BERT checkpoints, and an independent numpy BERT forward pass."""

from __future__ import annotations

import json
from math import erf
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from tfsenti.encoders.default import checkpoint_dir


def make_checkpoint(folder: Path, hidden: int = 32, layers: int = 2, heads: int = 2,
                    lower_case: bool = True, seed: int = 0, **config_overrides) -> Path:
    """Write a random BERT checkpoint with the real uncased vocabulary into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = (checkpoint_dir() / "vocab.txt").read_text(encoding="utf-8")
    (folder / "vocab.txt").write_text(vocab, encoding="utf-8")
    vocab_size = len(vocab.splitlines())
    config = {"model_type": "bert", "vocab_size": vocab_size, "hidden_size": hidden,
              "num_hidden_layers": layers, "num_attention_heads": heads,
              "intermediate_size": 4 * hidden, "max_position_embeddings": 512,
              "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
              **config_overrides}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": lower_case}))
    rng = np.random.default_rng(seed)

    def rand(*shape):
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": rand(vocab_size, hidden),
         "embeddings.position_embeddings.weight": rand(512, hidden),
         "embeddings.token_type_embeddings.weight": rand(2, hidden),
         "embeddings.LayerNorm.weight": 1 + rand(hidden), "embeddings.LayerNorm.bias": rand(hidden),
         "pooler.dense.weight": rand(hidden, hidden), "pooler.dense.bias": rand(hidden)}
    for i in range(layers):
        p = f"encoder.layer.{i}"
        for name, (out, inp) in {"attention.self.query": (hidden, hidden),
                                 "attention.self.key": (hidden, hidden),
                                 "attention.self.value": (hidden, hidden),
                                 "attention.output.dense": (hidden, hidden),
                                 "intermediate.dense": (4 * hidden, hidden),
                                 "output.dense": (hidden, 4 * hidden)}.items():
            t[f"{p}.{name}.weight"], t[f"{p}.{name}.bias"] = rand(out, inp), rand(out)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[f"{p}.{norm}.weight"], t[f"{p}.{norm}.bias"] = 1 + rand(hidden), rand(hidden)
    save_file({f"bert.{k}": v for k, v in t.items()}, str(folder / "model.safetensors"))
    return folder


def numpy_bert(hf_dir: Path, word_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sequence_output of a Hugging Face BERT checkpoint, computed in float64 numpy."""
    config = json.loads((hf_dir / "config.json").read_text())
    w = {k.removeprefix("bert."): v.astype(np.float64)
         for k, v in load_file(str(hf_dir / "model.safetensors")).items()}
    eps, heads = config.get("layer_norm_eps", 1e-12), config["num_attention_heads"]
    gelu = np.vectorize(lambda v: 0.5 * v * (1.0 + erf(v / np.sqrt(2.0))))

    def norm(x, p):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w[f"{p}.weight"] + w[f"{p}.bias"]

    def dense(x, p):
        return x @ w[f"{p}.weight"].T + w[f"{p}.bias"]

    batch, length = word_ids.shape
    x = (w["embeddings.word_embeddings.weight"][word_ids]
         + w["embeddings.position_embeddings.weight"][:length]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "embeddings.LayerNorm")
    bias = (1.0 - mask[:, None, None, :]) * -10000.0
    size = x.shape[-1] // heads
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}"

        def split(t):
            return t.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = (split(dense(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
        x = norm(x + dense(ctx, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
        h = gelu(dense(x, f"{p}.intermediate.dense"))
        x = norm(x + dense(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
    return x
