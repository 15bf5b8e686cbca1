"""Leakage between splits: held-out texts that training has already seen, whole or in part.

Scraped reviews are full of copies (reposts, quotes, a review split into paragraphs), and a
validation or test set that shares text with training measures memory, not generalisation. A
held-out text *overlaps* training when, after lower-casing and collapsing whitespace, it equals a
training text, lies inside one, or contains one; containment counts only for texts of at least
`MIN_WORDS` words, at word boundaries, so short phrases such as "not bad" are not flagged.

Each direction is found with an index of word n-grams of the smaller side (the first `MIN_WORDS`
words of each shorter text, or every n-gram of each longer one) and a single pass over the other
side, then checked exactly: linear in the number of words, a few seconds on IMDB-size data or a
million short rows rather than a comparison of every pair.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from tfsenti.data.texts import LabeledTexts

log = logging.getLogger(__name__)

MIN_WORDS = 5
EXAMPLES = 3
SHOWN_CHARS = 60  # of each text in an example line of the warning


def normalize(text: str) -> str:
    """Lower-cased, whitespace collapsed: the form texts are compared in.

    Example:
        >>> normalize("  A  Fine\\tFILM ")
        'a fine film'
    """
    return " ".join(text.lower().split())


@dataclasses.dataclass
class Overlap:
    """How a held-out set overlaps training: indices into the held-out texts that equal, lie
    inside or contain a training text (each counted once, in that order), the training texts
    involved, and a few (held-out, training) examples."""

    identical: list[int]
    inside: list[int]
    containing: list[int]
    train_indices: set[int]
    examples: list[tuple[str, str]]

    @property
    def count(self) -> int:
        return len(self.identical) + len(self.inside) + len(self.containing)

    def counts(self) -> dict[str, int]:
        """The counts that `metrics.json` and `report.md` record."""
        return {"identical": len(self.identical), "inside_a_training_text": len(self.inside),
                "containing_a_training_text": len(self.containing)}


def _ngrams(words: list[str]) -> Iterator[tuple[str, ...]]:
    for start in range(len(words) - MIN_WORDS + 1):
        yield tuple(words[start:start + MIN_WORDS])


def _containers(short: list[list[str]], long: list[list[str]]) -> dict[int, set[int]]:
    """{index in `short`: indices of the longer `long` texts containing it, at word boundaries}
    for `short` texts of at least MIN_WORDS words. The smaller side is indexed (the first n-gram
    of each `short` text, or every n-gram of each `long` text) and the larger side passed over."""
    found: dict[int, set[int]] = defaultdict(set)
    if len(short) > len(long):
        at = defaultdict(set)
        for j, words in enumerate(long):
            for gram in _ngrams(words):
                at[gram].add(j)
        for i, words in enumerate(short):
            if len(words) < MIN_WORDS:
                continue
            text = f" {' '.join(words)} "
            for j in at.get(tuple(words[:MIN_WORDS]), ()):
                if len(words) < len(long[j]) and text in f" {' '.join(long[j])} ":
                    found[i].add(j)
        return found
    by_start = defaultdict(list)
    for i, words in enumerate(short):
        if len(words) >= MIN_WORDS:
            by_start[tuple(words[:MIN_WORDS])].append(i)
    starts = by_start.keys()
    for j, words in enumerate(long):
        # most texts hold no indexed n-gram: a set test in C rules them out before the loop
        if starts.isdisjoint(zip(*(words[k:] for k in range(MIN_WORDS)))):
            continue
        text = f" {' '.join(words)} "
        for gram in _ngrams(words):
            for i in by_start.get(gram, ()):
                if len(short[i]) < len(words) and j not in found.get(i, ()):
                    if f" {' '.join(short[i])} " in text:
                        found[i].add(j)
    return found


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused inside: the word lists of a million texts
    (acyclic, freed by reference counting) otherwise set off collections that walk the growing
    heap again and again: 18 s instead of 8 s for a million rows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def find_overlap(train_texts: list[str], held_out_texts: list[str]) -> Overlap:
    """Held-out texts that equal, lie inside or contain a training text (see the module doc),
    and every training text involved.

    Example:
        >>> train = ["a warm and very funny film about family", "dull", "the plot made no sense"]
        >>> held_out = ["Dull", "very funny film about family", "fine", "honestly the plot made no sense"]
        >>> overlap = find_overlap(train, held_out)
        >>> overlap.identical, overlap.inside, overlap.containing, sorted(overlap.train_indices)
        ([0], [1], [3], [0, 1, 2])
    """
    train_words = [t.lower().split() for t in train_texts]  # `normalize`, split once
    held_out_words = [t.lower().split() for t in held_out_texts]
    train, held_out = [" ".join(w) for w in train_words], [" ".join(w) for w in held_out_words]
    copies = defaultdict(set)
    for j, text in enumerate(train):
        copies[text].add(j)
    pairs = {i: copies[text] for i, text in enumerate(held_out) if text in copies}
    identical = sorted(pairs)
    inside = {i: js for i, js in _containers(held_out_words, train_words).items() if i not in pairs}
    pairs.update(inside)
    containing = defaultdict(set)
    for j, held in _containers(train_words, held_out_words).items():
        for i in held:
            containing[i].add(j)
    for i, js in containing.items():
        pairs.setdefault(i, set()).update(js)  # a text may both lie in one and contain another
    containing = {i: js for i, js in containing.items() if i not in identical and i not in inside}
    examples = [(held_out_texts[i], train_texts[min(js)]) for i, js in sorted(pairs.items())[:EXAMPLES]]
    return Overlap(identical, sorted(inside), sorted(containing),
                   set().union(*pairs.values()) if pairs else set(), examples)


def guard_splits(splits: dict[str, LabeledTexts], dedupe: bool = False
                 ) -> tuple[dict[str, LabeledTexts], dict[str, dict[str, int]]]:
    """Check every held-out split against `splits["train"]` and warn in one line with the counts
    and three examples; with `dedupe`, drop the training texts involved. Returns (the splits,
    training reduced if deduplicated; {split: counts}).

    Example:
        >>> train = LabeledTexts(["a warm and very funny film", "dull", "fine"], np.array([1, 0, 1]),
        ...                      ["neg", "pos"], "train")
        >>> test = LabeledTexts(["Dull", "very fine indeed"], np.array([0, 1]), ["neg", "pos"], "test")
        >>> splits, counts = guard_splits({"train": train, "test": test}, dedupe=True)
        >>> counts["test"]["identical"], splits["train"].texts
        (1, ['a warm and very funny film', 'fine'])
    """
    train = splits["train"]
    overlaps = {name: find_overlap(train.shown_texts(), data.shown_texts())
                for name, data in splits.items() if name != "train"}
    involved = set().union(*(o.train_indices for o in overlaps.values()))
    if involved:
        for line in _warning(overlaps, splits, len(involved), dedupe):
            log.warning("%s", line)
    if dedupe and involved:
        keep = np.ones(len(train), dtype=bool)
        keep[sorted(involved)] = False
        splits = {**splits, "train": train.subset(keep, "deduplicated")}
    return splits, {name: overlap.counts() for name, overlap in overlaps.items()}


def _warning(overlaps: dict[str, Overlap], splits: dict[str, LabeledTexts], involved: int,
             dedupe: bool) -> list[str]:
    """The warning's lines: the counts and what to do, then one short line per example (each
    its own log record, so every stderr line of the CLI starts with `tfsenti:`)."""
    def shown(text: str) -> str:
        text = " ".join(text.split())
        return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "...")

    parts = [f"{name}: {o.count} of {len(splits[name])} texts overlap training ({len(o.identical)} "
             f"identical, {len(o.inside)} inside a training text, {len(o.containing)} containing "
             f"one)" for name, o in overlaps.items()]
    examples = [f"  held out {shown(held)} ~ training {shown(seen)}" for o in overlaps.values()
                for held, seen in o.examples][:EXAMPLES]
    action = (f"dropped the {involved} training texts involved (dedupe)" if dedupe else
              f"dedupe (--dedupe) drops the {involved} training texts involved")
    return [f"{'; '.join(parts)}; {action}; for example:", *examples]
