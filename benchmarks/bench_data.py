"""Where the benchmark scripts find their data: `TFSENTI_BENCH_DATA`, else `shared/data` beside
the checkout. The folder holds `sst2/train.tsv` and `sst2/dev.tsv` (SST-2, Socher et al. 2013:
`sentence<TAB>label`; dev is 1,000 whole review sentences whose phrases are not in train) and
`imdb/aclImdb_train.tar.gz` (the training half of the Large Movie Review Dataset, Maas et al.
2011, in its aclImdb layout)."""

import os
import tarfile
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("TFSENTI_BENCH_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "data"))
SST2 = DATA / "sst2"
IMDB_ARCHIVE = DATA / "imdb" / "aclImdb_train.tar.gz"


def imdb_reviews() -> tuple[list[str], list[int]]:
    """(texts, labels: 1 positive) of the 25,000 IMDB training reviews, in archive order."""
    texts, labels = [], []
    with tarfile.open(IMDB_ARCHIVE) as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and len(parts) == 4 and parts[2] in ("neg", "pos"):
                texts.append(tar.extractfile(member).read().decode("utf-8"))
                labels.append(int(parts[2] == "pos"))
    return texts, labels


def imdb_draw(count: int = 500) -> tuple[list[str], list[int]]:
    """`count` IMDB training reviews (and labels) in a fixed random order, the same for every
    serving benchmark."""
    texts, labels = imdb_reviews()
    pick = np.random.default_rng(0).permutation(len(texts))[:count]
    return [texts[i] for i in pick], [labels[i] for i in pick]
