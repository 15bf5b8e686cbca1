"""Small real data for tests: copies of the bundled demo reviews, generated aspect sentences,
restaurant reviews tagged with the topics they mention, and long film reviews whose verdict sits in
the middle."""

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
    """`rows` as a TSV file with a header line, or as Parquet when `path` ends in .parquet."""
    columns = list(rows[0])
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({c: [row[c] for row in rows] for c in columns}), path)
        return path
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


VERDICTS = {
    "pos": ["i loved every minute of it", "it is a triumph from start to finish",
            "this is the best film i have seen in years", "a wonderful and moving piece of work"],
    "neg": ["i hated every minute of it", "it is a disaster from start to finish",
            "this is the worst film i have seen in years", "a dull and clumsy piece of work"],
}
FACTS = ["the story is set in a small northern town", "the director also wrote the script",
         "it runs for just under two hours", "most of the cast are newcomers",
         "the score was recorded in one week", "filming took place over a single winter",
         "the plot follows two brothers and a boat", "a narrator reads letters between scenes",
         "the second half moves to the coast", "it opened at a festival last spring"]


def long_review_rows(count: int, seed: int, facts: int = 10) -> list[dict[str, str]]:
    """Film reviews of `facts` neutral sentences with the verdict (`pos` or `neg`) in the middle:
    a model that reads only the start and the end of a long text cannot tell them apart."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.choice(sorted(VERDICTS))
        sentences = rng.sample(FACTS, facts)
        sentences.insert(facts // 2, rng.choice(VERDICTS[label]))
        rows.append({"text": ". ".join(sentences) + ".", "label": label})
    return rows
