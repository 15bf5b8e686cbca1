"""The bundled demo reviews: test reviews share no sentence with training reviews, so the
accuracy `make demo` prints is a held-out figure."""

from __future__ import annotations

import re

from tfsenti.demo import DEMO_DATA


def _sentences(split: str) -> set[str]:
    sentences = set()
    for path in (DEMO_DATA / split).glob("*/*.txt"):
        text = path.read_text(encoding="utf-8").strip()
        sentences |= {s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()}
    return sentences


def test_train_and_test_reviews_share_no_sentence():
    train, test = _sentences("train"), _sentences("test")
    assert len(train) > 300 and len(test) > 200
    assert train & test == set()


def test_the_demo_is_balanced_and_in_the_aclimdb_layout():
    counts = {f"{split}/{label}": len(list((DEMO_DATA / split / label).glob("*.txt")))
              for split in ("train", "test") for label in ("neg", "pos")}
    assert counts == {"train/neg": 200, "train/pos": 200, "test/neg": 100, "test/pos": 100}
