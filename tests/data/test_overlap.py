"""The leakage guard: held-out texts that equal, lie inside or contain a training text."""

from __future__ import annotations

import logging
import random
import re

import numpy as np

from tfsenti.data.overlap import MIN_WORDS, find_overlap, guard_splits
from tfsenti.data.texts import LabeledTexts
from tfsenti.demo import DEMO_DATA


def _sentences(count: int) -> list[str]:
    """`count` distinct sentences of 8+ words from the bundled demo reviews."""
    found = []
    for path in sorted((DEMO_DATA / "train").glob("*/*.txt")):
        for sentence in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8").strip()):
            if len(sentence.split()) >= 8 and sentence not in found:
                found.append(sentence)
    return found[:count]


def _texts(texts: list[str]) -> LabeledTexts:
    return LabeledTexts(texts, np.arange(len(texts)) % 2, ["neg", "pos"], "texts")


def test_planted_copies_and_sub_sentence_overlaps_are_caught_exactly():
    train = _sentences(40)
    held_out = [
        "A completely new sentence that nobody wrote into the training data.",
        train[3].upper() + "  ",                            # identical after case and spaces
        " ".join(train[5].split()[1:6]),                    # 5 words from inside a training text
        "Honestly, I think " + train[7] + " Really.",       # contains a whole training text
        " ".join(train[9].split()[:4]),                     # 4 words: too short to count
        "brand new words " + " ".join(train[11].split()[2:5]),  # shares 3 words only
    ]
    overlap = find_overlap(train, held_out)
    assert (overlap.identical, overlap.inside, overlap.containing) == ([1], [2], [3])
    assert overlap.train_indices == {3, 5, 7}
    assert overlap.counts() == {"identical": 1, "inside_a_training_text": 1,
                                "containing_a_training_text": 1}
    assert overlap.examples[0] == (held_out[1], train[3])


def test_a_clean_split_gives_zero():
    sentences = _sentences(60)
    overlap = find_overlap(sentences[:50], sentences[50:])
    assert overlap.count == 0 and overlap.train_indices == set() and overlap.examples == []


def test_the_old_random_phrase_split_is_found_and_the_whole_sentence_split_is_clean(caplog):
    """SST-2 as it was once split: every phrase of 50 sentences (here: every span of 2+ words),
    a random 10% to dev. Dev phrases of 5+ words lie inside the longer phrases left in training."""
    sentences = _sentences(50)
    phrases = sorted({" ".join(s.split()[i:j]) for s in sentences
                      for i in range(len(s.split())) for j in range(i + 2, len(s.split()) + 1)})
    random.Random(0).shuffle(phrases)
    dev, train = phrases[:len(phrases) // 10], phrases[len(phrases) // 10:]
    long_dev = [i for i, p in enumerate(dev) if len(p.split()) >= MIN_WORDS]
    overlap = find_overlap(train, dev)
    flagged = set(overlap.identical + overlap.inside + overlap.containing)
    assert set(long_dev) <= flagged  # each lies inside its own sentence, which is in training
    with caplog.at_level(logging.WARNING):
        guard_splits({"train": _texts(train), "validation": _texts(dev)})
    line, *examples = caplog.messages  # one short line per example, not one long line
    assert line.startswith(f"validation: {len(flagged)} of {len(dev)} texts overlap training")
    assert "--dedupe" in line and len(examples) == 3
    assert all(e.startswith("  held out '") and "' ~ training '" in e and len(e) < 200
               for e in examples)

    whole = {"train": _texts([p for p in phrases if not any(p in s for s in sentences[:5])]),
             "validation": _texts(sentences[:5])}  # the treebank's way: whole held-out sentences
    caplog.clear()
    assert guard_splits(whole)[1] == {"validation": {"identical": 0, "inside_a_training_text": 0,
                                                     "containing_a_training_text": 0}}
    assert caplog.messages == []


def test_dedupe_drops_every_training_text_involved():
    train = _texts(["the same review", "The  same review", "a longer review of the film we saw",
                    "an unrelated one"])
    test = _texts(["The same review", "review of the film we saw"])
    splits, counts = guard_splits({"train": train, "test": test}, dedupe=True)
    assert splits["train"].texts == ["an unrelated one"]
    assert counts["test"] == {"identical": 1, "inside_a_training_text": 1,
                              "containing_a_training_text": 0}
    assert splits["test"] is test


def test_a_large_training_set_is_sampled_unless_deduplicated_and_the_log_says_so(caplog):
    sentences = _sentences(120)
    train = _texts(sentences[:100] * 5)  # every sentence five times: 500 texts
    held_out = _texts(sentences[:20] + sentences[100:])  # 20 copies, 20 new
    with caplog.at_level(logging.INFO, logger="tfsenti"):
        _, counts = guard_splits({"train": train, "test": held_out}, most=200)
    assert counts["test"]["train_texts_checked"] == 200
    # a copy is missed only if none of its five occurrences is among the 200 drawn
    assert 15 <= counts["test"]["identical"] <= 20
    info, warning = caplog.messages[0], caplog.messages[1]
    assert info.endswith("against a random 200 of the 500 training texts (--dedupe checks every "
                         "one)")
    assert "overlap the 200 training texts checked of 500" in warning
    assert "--dedupe) checks every training text and drops those involved" in warning

    splits, counts = guard_splits({"train": train, "test": held_out}, dedupe=True, most=200)
    assert counts["test"] == {"identical": 20, "inside_a_training_text": 0,
                              "containing_a_training_text": 0}
    assert len(splits["train"]) == 400


def _by_definition(train: list[str], held_out: list[str]) -> tuple[list[int], ...]:
    """(identical, inside, containing, training texts involved): every pair compared."""
    def words(text: str) -> list[str]:
        return text.lower().split()

    kinds, involved = ([], [], []), set()
    for i, held in enumerate(held_out):
        h = words(held)
        related = ({j for j, t in enumerate(train) if words(t) == h},
                   {j for j, t in enumerate(train) if MIN_WORDS <= len(h) < len(words(t))
                    and f" {' '.join(h)} " in f" {' '.join(words(t))} "},
                   {j for j, t in enumerate(train) if MIN_WORDS <= len(words(t)) < len(h)
                    and f" {' '.join(words(t))} " in f" {' '.join(h)} "})
        for kind, js in zip(kinds, related):
            if js:
                kind.append(i)
                break
        involved |= set().union(*related)
    return (*kinds, involved)


def test_every_relation_matches_a_comparison_of_every_pair():
    """Random word spans of three 12-word sentences, a word sometimes swapped, case and spaces
    varied (so that copies and containments of every kind are common), either side the larger."""
    rng = random.Random(0)
    sentences = [[rng.choice("a B c dd e ff g".split()) for _ in range(12)] for _ in range(3)]

    def text() -> str:
        words = rng.choice(sentences)
        start = rng.randrange(12)
        span = words[start:rng.randint(start + 1, 12)]
        if rng.random() < 0.3:
            span[rng.randrange(len(span))] = "x"
        if rng.random() < 0.2:
            return (" " * rng.randint(1, 3)).join(span).upper()
        return " ".join(span)

    seen = np.zeros(3, int)
    for train_size, held_out_size in [(80, 30), (30, 80), (60, 60)]:
        train = [text() for _ in range(train_size)]
        held_out = [text() for _ in range(held_out_size)]
        overlap = find_overlap(train, held_out)
        assert (overlap.identical, overlap.inside, overlap.containing,
                overlap.train_indices) == _by_definition(train, held_out)
        seen += [len(overlap.identical), len(overlap.inside), len(overlap.containing)]
    assert all(seen >= 3), seen
