"""Where the benchmark scripts find their data: `TFSENTI_BENCH_DATA`, else `shared/data` beside
the checkout. The folder holds `sst2/train.tsv` and `sst2/dev.tsv` (SST-2, Socher et al. 2013:
`sentence<TAB>label`; dev is 1,000 whole review sentences whose phrases are not in train) and
`imdb/aclImdb_train.tar.gz` (the training half of the Large Movie Review Dataset, Maas et al.
2011, in its aclImdb layout)."""

import os
from pathlib import Path

DATA = Path(os.environ.get("TFSENTI_BENCH_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "data"))
SST2 = DATA / "sst2"
IMDB_ARCHIVE = DATA / "imdb" / "aclImdb_train.tar.gz"
