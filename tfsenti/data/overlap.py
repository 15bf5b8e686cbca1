"""Leakage between splits: held-out texts that training has already seen, whole or in part.

Scraped reviews are full of copies (reposts, quotes, a review split into paragraphs), and a
validation or test set that shares text with training measures memory, not generalisation. A
held-out text *overlaps* training when, after lower-casing and collapsing whitespace, it equals a
training text, lies inside one, or contains one; containment counts only for texts of at least
`MIN_WORDS` words, at word boundaries, so short phrases such as "not bad" are not flagged.

The smaller side's word n-grams are indexed (every n-gram of each text, and each text's first)
and the larger side is passed over once: a text that shares no n-gram with the other side is
ruled out by one set test in C, and only the rest are checked exactly. Linear in the number of
words: a few seconds on IMDB-size data or a million short rows rather than a comparison of
every pair. Above `CHECKED_TRAIN_TEXTS` training texts the held-out sets are checked against a
random sample of that many (unless the training texts involved are to be dropped, which needs
them all), so the check costs about a second at any size; the counts then say so.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from tfsenti.data.collector import collector_paused
from tfsenti.data.texts import LabeledTexts

log = logging.getLogger(__name__)

MIN_WORDS = 5
EXAMPLES = 3
SHOWN_CHARS = 60  # of each text in an example line of the warning
# training texts checked, at most, without --dedupe: 1,000 held-out rows against 100,000 short
# rows take 0.6 s on a 2-vCPU AMD EPYC
CHECKED_TRAIN_TEXTS = 100_000


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
    return zip(*(words[k:] for k in range(MIN_WORDS)))


@dataclasses.dataclass
class _Relations:
    """Pairs (index in the indexed side, index in the side passed over), each as {indexed:
    {passed}}: equal texts, indexed texts inside a passed text, passed texts inside an indexed
    text."""

    equal: dict[int, set[int]] = dataclasses.field(default_factory=lambda: defaultdict(set))
    inside_passed: dict[int, set[int]] = dataclasses.field(default_factory=lambda: defaultdict(set))
    passed_inside: dict[int, set[int]] = dataclasses.field(default_factory=lambda: defaultdict(set))


def _relations(indexed: list[list[str]], passed: list[list[str]]) -> _Relations:
    """Every equal pair and every containment at word boundaries between the texts of two sides
    (word lists, normalized). The `indexed` side's word n-grams go into sets; each `passed`
    text costs one set test in C unless it shares an n-gram with some indexed text (or is too
    short for containment and is only looked up whole), and only those few are checked."""
    found = _Relations()
    spaced = [f" {' '.join(words)} " for words in indexed]  # word-boundary substring tests
    whole, first, grams = defaultdict(list), defaultdict(list), defaultdict(set)
    for i, words in enumerate(indexed):
        whole[spaced[i]].append(i)
        if len(words) >= MIN_WORDS:
            first[tuple(words[:MIN_WORDS])].append(i)
            for gram in _ngrams(words):
                grams[gram].add(i)
    shared = grams.keys()
    for j, words in enumerate(passed):
        if len(words) >= MIN_WORDS and shared.isdisjoint(_ngrams(words)):
            continue
        text = f" {' '.join(words)} "
        for i in whole.get(text, ()):
            found.equal[i].add(j)
        if len(words) < MIN_WORDS:
            continue
        for gram in set(_ngrams(words)):  # an indexed text starting with one of its n-grams
            for i in first.get(gram, ()):
                if len(indexed[i]) < len(words) and spaced[i] in text:
                    found.inside_passed[i].add(j)
        for i in grams.get(tuple(words[:MIN_WORDS]), ()):
            if len(words) < len(indexed[i]) and text in spaced[i]:
                found.passed_inside[i].add(j)
    return found


@collector_paused()
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
    if len(held_out_words) <= len(train_words):  # index the smaller side, pass over the larger
        found = _relations(held_out_words, train_words)
        relations = (found.equal, found.inside_passed, found.passed_inside)
    else:
        found = _relations(train_words, held_out_words)
        relations = tuple(map(_flipped, (found.equal, found.passed_inside, found.inside_passed)))
    kinds, counted = [], set()  # each held-out text counts once: identical, inside, containing
    for relation in relations:
        kinds.append(sorted(set(relation) - counted))
        counted |= set(relation)
    examples = [(held_out_texts[i], train_texts[min(next(r[i] for r in relations if i in r))])
                for i in sorted(counted)[:EXAMPLES]]
    # a held-out text involves every training text it relates to, in any of the three ways
    involved = set().union(*(js for relation in relations for js in relation.values()))
    return Overlap(*kinds, involved, examples)


def _flipped(relation: dict[int, set[int]]) -> dict[int, set[int]]:
    """{a: {b}} -> {b: {a}}."""
    flipped = defaultdict(set)
    for a, bs in relation.items():
        for b in bs:
            flipped[b].add(a)
    return flipped


def guard_splits(splits: dict[str, LabeledTexts], dedupe: bool = False,
                 most: int = CHECKED_TRAIN_TEXTS
                 ) -> tuple[dict[str, LabeledTexts], dict[str, dict[str, int]]]:
    """Check every held-out split against `splits["train"]` and warn in one line with the counts
    and three examples; with `dedupe`, drop the training texts involved. Returns (the splits,
    training reduced if deduplicated; {split: counts}).

    Without `dedupe`, a training set of more than `most` texts is checked through `most` of them
    drawn at random (the same each run); the log says so, and the counts carry
    `train_texts_checked`.

    Example:
        >>> train = LabeledTexts(["a warm and very funny film", "dull", "fine"], np.array([1, 0, 1]),
        ...                      ["neg", "pos"], "train")
        >>> test = LabeledTexts(["Dull", "very fine indeed"], np.array([0, 1]), ["neg", "pos"], "test")
        >>> splits, counts = guard_splits({"train": train, "test": test}, dedupe=True)
        >>> counts["test"]["identical"], splits["train"].texts
        (1, ['a warm and very funny film', 'fine'])
        >>> guard_splits({"train": train, "test": test}, most=2)[1]["test"]["train_texts_checked"]
        2
    """
    train = splits["train"]
    sampled = not dedupe and len(train) > most
    checked = (np.sort(np.random.default_rng(0).choice(len(train), most, replace=False))
               if sampled else np.arange(len(train)))
    if sampled:
        log.info("overlap with training: held-out texts checked against a random %s of the %s "
                 "training texts (--dedupe checks every one)", f"{most:,}", f"{len(train):,}")
    texts = train.shown_texts()
    train_texts = [texts[i] for i in checked] if sampled else texts
    overlaps = {name: find_overlap(train_texts, data.shown_texts())
                for name, data in splits.items() if name != "train"}
    involved = {int(checked[i]) for o in overlaps.values() for i in o.train_indices}
    if involved:
        for line in _warning(overlaps, splits, len(involved), dedupe, most if sampled else None):
            log.warning("%s", line)
    if dedupe and involved:
        keep = np.ones(len(train), dtype=bool)
        keep[sorted(involved)] = False
        splits = {**splits, "train": train.subset(keep, "deduplicated")}
    note = {"train_texts_checked": most} if sampled else {}
    return splits, {name: {**overlap.counts(), **note} for name, overlap in overlaps.items()}


def _warning(overlaps: dict[str, Overlap], splits: dict[str, LabeledTexts], involved: int,
             dedupe: bool, sample: int | None) -> list[str]:
    """The warning's lines: the counts and what to do, then one short line per example (each
    its own log record, so every stderr line of the CLI starts with `tfsenti:`); `sample`: how
    many training texts were checked, if not all."""
    def shown(text: str) -> str:
        text = " ".join(text.split())
        return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "...")

    against = ("training" if sample is None else
               f"the {sample:,} training texts checked of {len(splits['train']):,}")
    parts = [f"{name}: {o.count} of {len(splits[name])} texts overlap {against} ({len(o.identical)} "
             f"identical, {len(o.inside)} inside a training text, {len(o.containing)} containing "
             f"one)" for name, o in overlaps.items()]
    examples = [f"  held out {shown(held)} ~ training {shown(seen)}" for o in overlaps.values()
                for held, seen in o.examples][:EXAMPLES]
    if dedupe:
        action = f"dropped the {involved} training texts involved (dedupe)"
    elif sample is None:
        action = f"dedupe (--dedupe) drops the {involved} training texts involved"
    else:  # a sample: the texts involved outside it are unknown
        action = "dedupe (--dedupe) checks every training text and drops those involved"
    return [f"{'; '.join(parts)}; {action}; for example:", *examples]
