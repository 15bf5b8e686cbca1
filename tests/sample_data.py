"""Small real data for tests: copies of the bundled demo reviews."""

from __future__ import annotations

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
