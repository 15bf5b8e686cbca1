"""Folders / CSV / TSV / JSONL / the IMDB download -> labelled texts -> tf.data of (text, label).

Every loader checks its input first and raises `DataError` naming the file, row or column at
fault. Non-UTF-8 files and cells are refused (not skipped): silently dropping reviews would change
the data set without the user noticing.

Example:
    >>> data = load_dataset(DEMO_DATA / "train")
    >>> train, val = data.split(0.1, seed=42)
    >>> len(train), len(val)
    (360, 40)
    >>> texts, labels = next(iter(train.to_dataset(batch_size=32, shuffle=True)))
    >>> texts.shape, labels.shape
    (TensorShape([32]), TensorShape([32]))
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import logging
import shutil
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras

from tfsenti.errors import DataError

log = logging.getLogger(__name__)

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None}
TEXT_COLUMNS = ("text", "sentence", "review", "content")
LABEL_COLUMNS = ("label", "sentiment", "class", "target")
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
DEMO_DATA = Path(__file__).parent / "demo"  # 600 bundled reviews: train/ and test/, neg/ and pos/


def prefetched(ds: tf.data.Dataset, batches: int = 2) -> tf.data.Dataset:
    """`ds` prefetching `batches` batches, with tf.data's autotuning off.

    The autotuning thread kept the end of every pass over a dataset waiting up to 2.5 s (measured:
    `fit` on 1,024 SST-2 sentences returned about 1 s after its last step; none without it).
    Training batches are ready long before the step that needs them, so nothing is lost.

    Example:
        >>> [int(x) for x in prefetched(tf.data.Dataset.range(3))]
        [0, 1, 2]
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(batches).with_options(options)


@dataclasses.dataclass
class LabeledTexts:
    """Texts, integer labels (indices into `class_names`) and where they came from.

    Example:
        >>> data = LabeledTexts(["great", "awful", "fine"], np.array([1, 0, 1]), ["neg", "pos"], "mine")
        >>> len(data), data.class_names[data.labels[0]]
        (3, 'pos')
    """

    texts: list[str]
    labels: np.ndarray
    class_names: list[str]
    name: str

    def __len__(self) -> int:
        return len(self.texts)

    def to_dataset(self, batch_size: int, shuffle: bool = False, seed: int = 0) -> tf.data.Dataset:
        """Batched tf.data of (text, label), cached, shuffled each epoch if asked, prefetched."""
        ds = tf.data.Dataset.from_tensor_slices((self.texts, self.labels)).cache()
        if shuffle:
            ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
        return prefetched(ds.batch(batch_size))

    def split(self, fraction: float, seed: int) -> tuple["LabeledTexts", "LabeledTexts"]:
        """Stratified (train, validation) split with `fraction` of each class in validation."""
        rng = np.random.default_rng(seed)
        val = np.zeros(len(self), dtype=bool)
        for label in np.unique(self.labels):
            members = rng.permutation(np.flatnonzero(self.labels == label))
            val[members[:int(round(len(members) * fraction))]] = True
        if val.all() or not val.any():
            raise DataError(f"{self.name}: {len(self)} examples are too few for a "
                            f"validation split of {fraction}")
        return self.subset(~val, "train"), self.subset(val, "validation")

    def subset(self, mask: np.ndarray, suffix: str) -> "LabeledTexts":
        """The examples where the boolean `mask` is true, named `NAME[suffix]`."""
        texts = [t for t, keep in zip(self.texts, mask) if keep]
        return LabeledTexts(texts, self.labels[mask], self.class_names, f"{self.name}[{suffix}]")

    def head_per_class(self, count: int) -> "LabeledTexts":
        """The first `count` examples of each class, in their original order: a small balanced
        sample for a quick run.

        Example:
            >>> data = load_dataset(DEMO_DATA / "train").head_per_class(5)
            >>> len(data), np.bincount(data.labels).tolist()
            (10, [5, 5])
        """
        keep = np.zeros(len(self), dtype=bool)
        for label in range(len(self.class_names)):
            keep[np.flatnonzero(self.labels == label)[:count]] = True
        return self.subset(keep, f"first {count} per class")


def load_dataset(path: str | Path, text_column: str | None = None, label_column: str | None = None,
                 class_names: list[str] | None = None) -> LabeledTexts:
    """Load a folder of class subfolders or a .csv / .tsv / .jsonl file.

    Args:
        path: the data.
        text_column, label_column: columns of a table (default: the first of `text`, `sentence`,
            `review`, `content` / `label`, `sentiment`, `class`, `target` that exists).
        class_names: fix the classes (e.g. a trained model's); labels outside them are an error.
            Default: the sorted folder names, or the sorted distinct labels of the table.

    Example:
        >>> load_dataset(DEMO_DATA / "test").class_names
        ['neg', 'pos']
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir():
        return _load_folder(path, class_names)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; use a folder of class "
                        f"subfolders or a {', '.join(TABLE_SUFFIXES)} file")
    return _load_table(path, text_column, label_column, class_names)


def dataset_splits(path: str | Path) -> dict[str, Path]:
    """For an aclImdb-style root (`train/`, optional `test/`, `val/`), the split folders.

    Any other path is returned as the training data alone.
    """
    path = Path(path)
    if path.is_dir() and (path / "train").is_dir():
        splits = {"train": path / "train"}
        for name, options in (("val", ("val", "validation", "dev")), ("test", ("test",))):
            found = [path / o for o in options if (path / o).is_dir()]
            if found:
                splits[name] = found[0]
        return splits
    return {"train": path}


def data_name(path: str | Path) -> str:
    """A short name for a data set, used in default model names (`demo`, `reviews`)."""
    path = Path(path).resolve()
    if path.is_dir() and path.name in ("train", "test", "val", "validation", "dev"):
        return path.parent.name
    return path.stem if path.is_file() else path.name


def _load_folder(path: Path, class_names: list[str] | None) -> LabeledTexts:
    folders = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(f"{path}: no class subfolders (expected e.g. {path}/pos and {path}/neg)")
    if class_names is None:
        if len(folders) < 2:
            raise DataError(f"{path} has 1 class folder ({folders[0]!r}); need at least 2")
        class_names = folders
    else:
        unseen = sorted(set(folders) - set(class_names))
        if unseen:
            raise DataError(f"{path}: class folders {unseen} were not seen in training "
                            f"(model classes: {class_names})")
    for name in folders:
        if not any(f.is_file() and f.suffix == ".txt" for f in (path / name).iterdir()):
            raise DataError(f"{path / name}: class folder has no .txt files")
    present = [c for c in class_names if c in folders]
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Found N files" to stdout
        raw = keras.utils.text_dataset_from_directory(
            str(path), class_names=present, batch_size=None, shuffle=False)
    texts, labels = [], []
    for text, label in raw.as_numpy_iterator():
        try:
            texts.append(text.decode("utf-8"))
        except UnicodeDecodeError:
            raise DataError(_non_utf8_file(path, present)) from None
        labels.append(class_names.index(present[label]))
    log.info("%s: %d files in %d classes", path, len(texts), len(present))
    return LabeledTexts(texts, np.asarray(labels, dtype=np.int32), list(class_names), data_name(path))


def _non_utf8_file(path: Path, folders: list[str]) -> str:
    """The error message naming the first .txt file under `path/folders` that is not UTF-8."""
    for name in folders:
        for file in sorted((path / name).glob("*.txt")):
            try:
                file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as err:
                return f"{file}: not UTF-8 text ({err.reason} at byte {err.start})"
    return f"{path}: a file is not UTF-8 text"


def _read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """(column names, rows) of a CSV/TSV/JSONL file; row numbers are 1-based data rows."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if path.suffix.lower() == ".jsonl":
        rows = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}: line {number}: invalid JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}: line {number}: expected a JSON object")
            rows.append(row)
        columns = list(dict.fromkeys(k for row in rows for k in row))
        return columns, rows
    delimiter = TABLE_SUFFIXES[path.suffix.lower()]
    reader = csv.DictReader(raw.splitlines(), delimiter=delimiter,
                            quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
    return list(reader.fieldnames or []), list(reader)


def _pick_column(path: Path, columns: list[str], wanted: str | None, candidates: tuple[str, ...],
                 option: str) -> str:
    if wanted is not None:
        if wanted not in columns:
            raise DataError(f"{path}: no column {wanted!r} (columns: {columns})")
        return wanted
    for name in candidates:
        if name in columns:
            return name
    raise DataError(f"{path}: none of the columns {list(candidates)} found (columns: {columns}); "
                    f"name one with {option}")


def _label_order(values: list[str]) -> list[str]:
    """Distinct labels, sorted numerically when they are all integers, else alphabetically."""
    distinct = set(values)
    try:
        return sorted(distinct, key=int)
    except ValueError:
        return sorted(distinct)


def _load_table(path: Path, text_column: str | None, label_column: str | None,
                class_names: list[str] | None) -> LabeledTexts:
    columns, rows = _read_rows(path)
    if not rows:
        raise DataError(f"{path}: no data rows")
    text_key = _pick_column(path, columns, text_column, TEXT_COLUMNS, "--text-column")
    label_key = _pick_column(path, columns, label_column, LABEL_COLUMNS, "--label-column")
    texts, values = [], []
    for number, row in enumerate(rows, start=1):
        text, label = row.get(text_key), row.get(label_key)
        if text is None or not str(text).strip():
            raise DataError(f"{path}: row {number}: empty text in column {text_key!r}")
        if label is None or str(label).strip() == "":
            raise DataError(f"{path}: row {number}: empty label in column {label_key!r}")
        texts.append(str(text))
        values.append(str(label).strip())
    if class_names is None:
        class_names = _label_order(values)
        if len(class_names) < 2:
            raise DataError(f"{path}: column {label_key!r} has 1 distinct label "
                            f"({class_names[0]!r}); need at least 2")
    unseen = sorted(set(values) - set(class_names))
    if unseen:
        raise DataError(f"{path}: labels {unseen} in column {label_key!r} were not seen in "
                        f"training (model classes: {class_names})")
    index = {name: i for i, name in enumerate(class_names)}
    labels = np.asarray([index[v] for v in values], dtype=np.int32)
    return LabeledTexts(texts, labels, list(class_names), data_name(path))


def download_imdb(dest: str | Path, url: str = IMDB_URL, sha256: str = IMDB_SHA256) -> Path:
    """Download, verify (SHA-256) and safely extract the IMDB reviews into `dest/aclImdb`.

    The unlabelled `train/unsup` folder is dropped. Extraction refuses any archive member that
    is a link, a device, or whose path is absolute or escapes `dest`.

    Example (downloads 84 MB, so the doctest run skips it):
        >>> download_imdb("data")  # doctest: +SKIP
        PosixPath('data/aclImdb')
    """
    dest = Path(dest).resolve()
    target = dest / "aclImdb"
    if target.exists():
        raise DataError(f"{target}: already exists; remove it to download again")
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".aclImdb.", dir=dest))
    try:
        try:
            archive = keras.utils.get_file(
                "aclImdb_v1.tar.gz", origin=url, file_hash=sha256, hash_algorithm="sha256",
                cache_dir=str(work), cache_subdir="download")
        except ValueError as err:  # raised by get_file for a hash mismatch
            raise DataError(f"{url}: downloaded file failed SHA-256 verification ({err})") from None
        except Exception as err:  # URL/HTTP/connection errors arrive as several types
            raise DataError(f"{url}: download failed ({err})") from None
        _safe_extract(Path(archive), work / "extract")
        extracted = work / "extract" / "aclImdb"
        if not (extracted / "train").is_dir():
            raise DataError(f"{url}: archive has no aclImdb/train folder")
        shutil.rmtree(extracted / "train" / "unsup", ignore_errors=True)
        extracted.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _safe_extract(archive: Path, into: Path) -> None:
    into.mkdir(parents=True)
    root = into.resolve()
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                resolved = (root / member.name).resolve()
                if not (member.isfile() or member.isdir()):
                    raise DataError(f"{archive.name}: member {member.name!r} is a link or device; refused")
                if member.name.startswith("/") or not resolved.is_relative_to(root):
                    raise DataError(f"{archive.name}: member {member.name!r} escapes the destination; refused")
            tar.extractall(root, members=members, filter="data")
    except tarfile.TarError as err:
        raise DataError(f"{archive.name}: not a readable tar archive ({err})") from None
