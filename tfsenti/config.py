"""`TrainConfig`: every setting of a training run, saved as JSON beside every exported model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from tfsenti.errors import ConfigError
from tfsenti.freezing import check_freeze
from tfsenti.hub.catalog import DEFAULT_ENCODER
from tfsenti.truncation import TRUNCATIONS

MODES = ("finetune", "features")
POOLINGS = ("pooled", "mean")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("default", "mirrored", "multiworker", "tpu")
CLASS_WEIGHTS = (None, "balanced")
EMBEDDING_UPDATES = ("lazy", "dense")
MAX_SEQ_LEN = 512  # position embeddings of every BERT in the catalog and of the default encoder


@dataclasses.dataclass
class TrainConfig:
    """Settings of one fine-tuning run; the CLI only fills this in.

    Example:
        >>> cfg = TrainConfig(epochs=2, lr=3e-5)
        >>> TrainConfig.from_json(cfg.to_json()) == cfg
        True
    """

    encoder: str = DEFAULT_ENCODER
    preprocess: str | None = None  # override the encoder's matching preprocessor
    seq_len: int | str = 256  # tokens per text, or "auto"; IMDB in 30 min: 256 > 128 (BENCHMARKS.md)
    truncate: str = "head+tail"  # head | tail | head+tail: what longer texts keep (Sun et al. 2019)
    fixed_length: bool = False  # pad every text to seq_len (the TF tutorial) instead of bucketing
    batch_size: int = 32
    lr: float = 1e-4  # SST-2 experiments (BENCHMARKS.md): 1e-4 > 2e-4 > 5e-5 for MiniLM-L6
    epochs: int = 3
    warmup: float = 0.1  # fraction of all training steps
    weight_decay: float = 0.01
    embedding_updates: str = "lazy"  # lazy: AdamW on looked-up rows only (tfsenti.lazy_adamw) | dense
    dropout: float = 0.1
    seed: int = 42
    early_stop: int | None = None  # patience in epochs, on the validation metric
    time_budget: float | None = None  # minutes; schedule re-planned to end in time (tfsenti.time_budget)
    val_split: float = 0.1  # used only when no validation data is given
    text_column: str | None = None
    label_column: str | None = None
    freeze: str = "none"  # none | encoder | all-but-pooler | last-N (see tfsenti.freezing)
    mode: str = "finetune"  # finetune | features (frozen encoder embeds once, logistic head)
    pooling: str = "pooled"  # pooled ([CLS] + pooler) | mean (masked mean of the last layer)
    precision: str = "float32"  # float32 | mixed_float16 | mixed_bfloat16
    class_weight: str | None = None  # None | balanced
    strategy: str = "default"  # default | mirrored | multiworker | tpu

    def validate(self) -> "TrainConfig":
        """Raise `ConfigError` naming the first out-of-range option."""
        checks = [
            (self.batch_size >= 1, f"--batch-size must be at least 1 (got {self.batch_size})"),
            (self.epochs >= 1, f"--epochs must be at least 1 (got {self.epochs})"),
            (self.seq_len == "auto" or (isinstance(self.seq_len, int)
                                         and 8 <= self.seq_len <= MAX_SEQ_LEN),
             f"--seq-len must be auto or in [8, {MAX_SEQ_LEN}] (got {self.seq_len})"),
            (self.lr > 0, f"--lr must be positive (got {self.lr})"),
            (0 <= self.dropout < 1, f"--dropout must be in [0, 1) (got {self.dropout})"),
            (0 < self.val_split < 1, f"--val-split must be in (0, 1) (got {self.val_split})"),
            (0 <= self.warmup < 1, f"warmup must be in [0, 1) (got {self.warmup})"),
            (self.weight_decay >= 0, f"weight decay must be >= 0 (got {self.weight_decay})"),
            (self.early_stop is None or self.early_stop >= 1,
             f"--early-stop must be at least 1 (got {self.early_stop})"),
            (self.time_budget is None or self.time_budget > 0,
             f"--time-budget must be a positive number of minutes (got {self.time_budget})"),
        ]
        choices = [("truncate", TRUNCATIONS), ("mode", MODES), ("pooling", POOLINGS), ("precision", PRECISIONS),
                   ("strategy", STRATEGIES), ("class_weight", CLASS_WEIGHTS),
                   ("embedding_updates", EMBEDDING_UPDATES)]
        for name, allowed in choices:
            value = getattr(self, name)
            checks.append((value in allowed, f"--{name.replace('_', '-')} must be one of "
                           f"{', '.join(str(a) for a in allowed if a)} (got {value!r})"))
        checks.append((self.mode != "features" or self.freeze == "none",
                       "--mode features freezes the whole encoder by itself; drop --freeze"))
        checks.append((self.mode != "features" or self.time_budget is None,
                       "--time-budget plans fine-tuning steps; --mode features has none, drop it"))
        checks.append((self.strategy != "multiworker" or self.time_budget is None,
                       "--time-budget cannot be used with --strategy multiworker: each worker "
                       "would time itself and plan a different number of steps"))
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        check_freeze(self.freeze)
        return self

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, model_dir: str | Path) -> "TrainConfig":
        """The TrainConfig saved in an exported model's `config.json`."""
        saved = json.loads((Path(model_dir) / "config.json").read_text())
        return cls.from_json(json.dumps(saved["train_config"]))
