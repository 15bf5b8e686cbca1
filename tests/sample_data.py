"""Small real data for tests: copies of the bundled demo reviews, generated aspect sentences and
restaurant reviews tagged with the topics they mention."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from tfsenti.demo import DEMO_DATA


def copy_demo(dest: Path, per_class: dict[str, int]) -> Path:
    """A small aclImdb-layout folder: the first N demo reviews of each class for each split."""
    for split, count in per_class.items():
        for label in ("neg", "pos"):
            (dest / split / label).mkdir(parents=True)
            for f in sorted((DEMO_DATA / split / label).glob("*.txt"))[:count]:
                shutil.copy(f, dest / split / label / f.name)
    return dest


ASPECTS = ["food", "service", "price", "music", "staff", "view", "wine", "decor"]
PRAISE = ["great", "excellent", "superb", "lovely", "fantastic", "wonderful", "perfect"]
COMPLAINTS = ["awful", "slow", "terrible", "bland", "rude", "poor", "dreadful"]


def aspect_rows(count: int, seed: int) -> list[dict[str, str]]:
    """Restaurant sentences praising one aspect and faulting another ("the food was great but the
    service was slow"), each asked about one of the two: the label is that aspect's polarity, so
    the text alone cannot tell it."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        good, bad = rng.sample(ASPECTS, 2)
        praise, complaint = rng.choice(PRAISE), rng.choice(COMPLAINTS)
        clauses = [f"the {good} was {praise}", f"the {bad} was {complaint}"]
        if rng.random() < 0.5:
            clauses.reverse()
        asked = rng.choice([good, bad])
        rows.append({"text": f"{clauses[0]} but {clauses[1]}", "aspect": asked,
                     "label": "pos" if asked == good else "neg"})
    return rows


def write_table(path: Path, rows: list[dict[str, str]]) -> Path:
    """`rows` as a TSV file with a header line."""
    columns = list(rows[0])
    lines = ["\t".join(columns)] + ["\t".join(row[c] for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TOPIC_CLAUSES = {
    "food": ["the pasta was {}", "the soup tasted {}", "every dish was {}"],
    "service": ["the waiter was {}", "our server was {}", "the service felt {}"],
    "price": ["the bill was {}", "the prices were {}", "the wine list cost {}"],
}
OPINIONS = ["wonderful", "fine", "awful", "memorable", "disappointing", "steep"]
FILLERS = ["we went on a tuesday", "it was raining", "we sat by the window", "friends came along"]


def topic_rows(count: int, seed: int) -> list[dict]:
    """Restaurant reviews tagged with the topics they talk about (`food`, `service`, `price`):
    none, one, two or all three, as multi-label data (`label` is a list)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        topics = sorted(rng.sample(sorted(TOPIC_CLAUSES), rng.choice([0, 1, 1, 2, 2, 3])))
        clauses = [rng.choice(TOPIC_CLAUSES[t]).format(rng.choice(OPINIONS)) for t in topics]
        clauses.insert(rng.randrange(len(clauses) + 1), rng.choice(FILLERS))
        rows.append({"text": " and ".join(clauses), "label": topics})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """`rows` as JSON lines."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path
