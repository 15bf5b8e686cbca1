"""What `TrainConfig` accepts: `Check`s on one option's value, `auto_or` (the parser of options
that also take `auto`), and `CONSISTENCY`, the
combinations of options it refuses, each with the message `TrainConfig.validate` raises.

Messages name options as `{field}`; `tfsenti.errors.ConfigError` words them as Python field names
or as command-line flags.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tfsenti.config import TrainConfig


@dataclasses.dataclass(frozen=True)
class Check:
    """A condition on one option's value; `phrase` completes "OPTION must be ..."."""

    phrase: str
    ok: Callable[[Any], bool]


def auto_or(kind: type) -> Callable[[str], Any]:
    """The command-line parser of an option that takes `auto` or a value of `kind`.

    Example:
        >>> auto_or(int)("auto"), auto_or(float)("5e-5")
        ('auto', 5e-05)
    """
    def parse(value: str) -> Any:
        if value == "auto":
            return value
        try:
            return kind(value)
        except ValueError:
            kind_name = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(
                f"expected auto or {kind_name}, got {value!r}") from None
    return parse


PRECISION_OR_RECALL = Check(  # --threshold-for
    "precision=X or recall=X with X in [0, 1]",
    lambda v: bool(re.fullmatch(r"(precision|recall)=(0?\.\d+|1(\.0*)?|0)", v)))


def label_names(value: str) -> dict[str, str]:
    """`--class-names 0=neg,1=pos` as {label in the data: class name}, in the order given (the
    classes' order); ValueError if it is not a list of distinct LABEL=NAME pairs.

    Example:
        >>> label_names("0=negative, 1=positive")
        {'0': 'negative', '1': 'positive'}
    """
    pairs = [part.partition("=") for part in value.split(",")]
    names = {label.strip(): name.strip() for label, _, name in pairs}
    if (any(not sep or not label.strip() or not name.strip() for label, sep, name in pairs)
            or len(names) != len(pairs) or len(set(names.values())) != len(names)):
        raise ValueError(f"not a list of distinct LABEL=NAME pairs: {value!r}")
    return names


LABEL_NAMES = Check("distinct LABEL=NAME pairs separated by commas (e.g. 0=neg,1=pos)",
                    lambda v: _parses(label_names, v))


def _is_codec(name: str) -> bool:
    try:
        return codecs.lookup(name) is not None
    except LookupError:
        return False


TEXT_ENCODING = Check("a text encoding Python knows", _is_codec)  # --encoding


def _parses(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def at_least(bound: float) -> Check:
    return Check(f"at least {bound:g}", lambda v: v >= bound)


def in_range(low: float, high: float, closed_low: bool = True) -> Check:
    """Values in [low, high), or (low, high) when `closed_low` is False."""
    left = "[" if closed_low else "("
    return Check(f"in {left}{low:g}, {high:g})",
                 lambda v: (low <= v if closed_low else low < v) and v < high)


# (is the combination broken?, message, options it names)
CONSISTENCY: list[tuple[Callable[[TrainConfig], bool], str, list[str]]] = [
    (lambda c: c.mode == "features" and c.freeze != "none",
     "{mode} features freezes the whole encoder by itself; drop {freeze}", ["mode", "freeze"]),
    (lambda c: c.mode == "features" and c.time_budget is not None,
     "{time_budget} plans fine-tuning steps; {mode} features has none, drop it",
     ["time_budget", "mode"]),
    (lambda c: c.strategy == "multiworker" and c.time_budget is not None,
     "{time_budget} cannot be used with {strategy} multiworker: each worker would time itself "
     "and plan a different number of steps", ["time_budget", "strategy"]),
    (lambda c: c.long != "chunks" and c.stride is not None,
     "{stride} sets the step of {long} chunks; add that or drop it", ["stride", "long"]),
    (lambda c: isinstance(c.seq_len, int) and c.stride is not None and c.stride > c.seq_len - 2,
     "{stride} must be at most {seq_len} minus 2 (the word pieces of a window), or windows skip "
     "text", ["stride", "seq_len"]),
    (lambda c: c.long == "chunks" and c.pair_column is not None,
     "{long} chunks reads one long text in windows; text pairs ({pair_column}) are packed into "
     "one window, drop one", ["long", "pair_column"]),
    (lambda c: c.long == "chunks" and c.mode == "features",
     "{long} chunks pools the logits of fine-tuned windows; {mode} features embeds each text "
     "once, drop one", ["long", "mode"]),
    (lambda c: c.long == "chunks" and c.strategy != "default",
     "{long} chunks needs {strategy} default: replicas would split a batch's windows apart from "
     "their texts", ["long", "strategy"]),
    (lambda c: c.layer_decay != 1.0 and c.embedding_updates != "lazy",
     "{layer_decay} needs {embedding_updates} lazy (tf_keras AdamW has one rate for all "
     "variables)", ["layer_decay", "embedding_updates"]),
    (lambda c: c.ema is not None and c.embedding_updates != "lazy",
     "{ema} needs {embedding_updates} lazy (the average is kept by tfsenti's AdamW)",
     ["ema", "embedding_updates"]),
    (lambda c: c.ema is not None and c.mode == "features",
     "{ema} averages the weights of fine-tuning; {mode} features fits only a head on fixed "
     "embeddings, drop it",
     ["ema", "mode"]),
    (lambda c: c.rdrop and c.mode == "features",
     "{rdrop} compares two dropout passes of fine-tuning; {mode} features fits only a head on "
     "fixed embeddings, drop it", ["rdrop", "mode"]),
    (lambda c: c.rdrop and c.long == "chunks",
     "{rdrop} pairs the two passes of each text; {long} chunks spreads a text over windows, "
     "drop one", ["rdrop", "long"]),
    (lambda c: c.rdrop and c.strategy != "default",
     "{rdrop} needs {strategy} default: replicas would split a text's two passes apart",
     ["rdrop", "strategy"]),
]
