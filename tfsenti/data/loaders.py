"""Folders of class subfolders and CSV / TSV / JSONL tables -> `LabeledTexts`.

Every loader checks its input first and raises `DataError` naming the file, row or column at
fault. Files are UTF-8 unless a byte-order mark or `encoding` says otherwise; others are refused
(not skipped) with the likely encoding named: silently dropping or garbling reviews would change
the data set without the user noticing.

Example:
    >>> from tfsenti import DEMO_DATA
    >>> data = load_dataset(DEMO_DATA / "train")
    >>> len(data), data.class_names, dataset_splits(DEMO_DATA)["test"].name
    (400, ['neg', 'pos'], 'test')
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path

import numpy as np

from tfsenti.data.collector import collector_paused
from tfsenti.data.encodings import decode, undecodable
from tfsenti.data.labels import encode_labels
from tfsenti.data.tables import (LABEL_COLUMNS, TABLE_KINDS, TEXT_COLUMNS, TableReader,
                                 pick_column, table_kind)
from tfsenti.data.texts import LabeledTexts
from tfsenti.errors import DataError

log = logging.getLogger(__name__)



def load_dataset(path: str | Path, text_column: str | None = None, label_column: str | None = None,
                 class_names: list[str] | None = None, delimiter: str | None = None,
                 pair_column: str | None = None, label_separator: str | None = None,
                 multilabel: bool | None = None, encoding: str | None = None,
                 label_names: dict[str, str] | None = None) -> LabeledTexts:
    """Load a folder of class subfolders or a .csv / .tsv / .jsonl file.

    A table whose label column holds lists (JSON arrays in a .jsonl file, or cells split on
    `label_separator`) is multi-label data: `LabeledTexts.labels` is then a 0/1 matrix, and a row
    may carry no label at all (an empty list or cell).

    Args:
        path: the data.
        text_column, label_column: columns of a table (default: the first of `text`, `sentence`,
            `review`, `content` / `label`, `sentiment`, `class`, `target` that exists).
        class_names: fix the classes (e.g. a trained model's); labels outside them are an error.
            Default: the sorted folder names, or the sorted distinct labels of the table.
        delimiter: the separator of a .csv file, by name (`comma`, `semicolon`, `tab`, `pipe`);
            default: the one of these its header line uses most.
        pair_column: the column of each example's second text (tables only): the data are
            text pairs (`LabeledTexts.pairs`).
        label_separator: split each label cell on this string into a list of labels (tables
            only): the data are multi-label.
        multilabel: what the data must be (a trained model's kind); default: as found.
        label_names: {label in a table: class name} (`--class-names 0=neg,1=pos`), every label
            named, the classes in this order.
        encoding: the files' text encoding (`cp1252`, `latin-1`, ...); default: UTF-8, or UTF-16
            after its byte-order mark.

    Example:
        >>> from tfsenti import DEMO_DATA
        >>> load_dataset(DEMO_DATA / "test").class_names
        ['neg', 'pos']
        >>> import tempfile
        >>> table = Path(tempfile.mkdtemp()) / "emotions.csv"
        >>> _ = table.write_text("text,label\\nwhat a lovely surprise,joy|surprise\\nfine,\\n")
        >>> tags = load_dataset(table, label_separator="|")
        >>> tags.class_names, tags.labels.tolist()
        (['joy', 'surprise'], [[1, 1], [0, 0]])
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir():
        check_folder_options(path, pair_column, label_names, label_separator, multilabel)
        return _load_folder(path, class_names, encoding)
    if table_kind(path) is None:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; use a folder of class "
                        f"subfolders or {TABLE_KINDS}")
    return _load_table(path, text_column, label_column, class_names, delimiter, pair_column,
                       label_separator, multilabel, encoding, label_names)


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
    path = Path(os.path.abspath(path))  # "." and ".." named; symlinks (even loops) left alone
    if path.is_dir() and path.name in ("train", "test", "val", "validation", "dev"):
        return path.parent.name
    if not path.is_file():
        return path.name
    return Path(path.stem).stem if path.suffix.lower() == ".gz" else path.stem


def check_folder_options(path: Path, pair_column: str | None = None,
                         label_names: dict[str, str] | None = None,
                         label_separator: str | None = None, multilabel: bool | None = None) -> None:
    """Raise `DataError` when a folder of class subfolders is given an option only a table
    can honour (text pairs, named labels, several labels per text)."""
    if pair_column is not None:
        raise DataError(f"{path}: a folder holds one text per file; text pairs "
                        f"(--pair-column {pair_column}) need a .csv, .tsv or .jsonl table")
    if label_names is not None:
        raise DataError(f"{path}: a folder's classes are its subfolders' names; "
                        "--class-names names the labels of a table")
    if label_separator is not None or multilabel:
        raise DataError(f"{path}: a folder gives each text one class (its subfolder); "
                        "multi-label data need a .jsonl file with lists of labels or a table "
                        "with --label-separator")


def folder_classes(path: str | Path, class_names: list[str] | None = None) -> dict[str, int]:
    """{class subfolder: its .txt files} of a data folder, checked as `load_dataset` checks it,
    without reading a file or loading TensorFlow: a folder without class subfolders, with only
    one (unless `class_names` fixes the classes), with one outside `class_names` or one without
    .txt files raises `DataError`.

    Example:
        >>> from tfsenti import DEMO_DATA
        >>> folder_classes(DEMO_DATA / "test")
        {'neg': 100, 'pos': 100}
        >>> folder_classes(DEMO_DATA)
        Traceback (most recent call last):
        tfsenti.errors.DataError: .../demo/test: class folder has no .txt files
    """
    path = Path(path)
    folders = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(f"{path}: no class subfolders (expected e.g. {path}/pos and {path}/neg)")
    if class_names is None and len(folders) < 2:
        raise DataError(f"{path} has 1 class folder ({folders[0]!r}); need at least 2")
    unseen = sorted(set(folders) - set(class_names or folders))
    if unseen:
        raise DataError(f"{path}: class folders {unseen} were not seen in training "
                        f"(model classes: {class_names})")
    counts = {name: sum(1 for f in (path / name).iterdir() if f.is_file() and f.suffix == ".txt")
              for name in folders}
    empty = [name for name, count in counts.items() if count == 0]
    if empty:
        raise DataError(f"{path / empty[0]}: class folder has no .txt files")
    return counts


def _load_folder(path: Path, class_names: list[str] | None, encoding: str | None) -> LabeledTexts:
    """A folder of class subfolders, read by tf_keras (imported here: tables need no
    TensorFlow, so a training run's tables are checked before it loads)."""
    import tf_keras as keras
    from tf_keras.src.utils import dataset_utils

    folders = folder_classes(path, class_names)
    class_names = class_names or list(folders)
    present = [c for c in class_names if c in folders]
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Found N files" to stdout
        raw = keras.utils.text_dataset_from_directory(
            str(path), class_names=present, batch_size=None, shuffle=False)
        # the files in the dataset's order, which tf_keras's dataset does not expose
        files, _, _ = dataset_utils.index_directory(str(path), "inferred", (".txt",), present,
                                                    shuffle=False)
    texts, labels = [], []
    for file, (text, label) in zip(files, raw.as_numpy_iterator()):
        try:
            texts.append(decode(text, encoding))
        except UnicodeDecodeError:
            raise undecodable(Path(file), encoding) from None
        labels.append(class_names.index(present[label]))
    blank = [file for file, text in zip(files, texts) if not text.strip()]
    if blank:  # refused, as empty table cells are, rather than trained on as texts without words
        raise DataError(f"{blank[0]}: empty text ({len(blank)} blank .txt files under {path}; "
                        "remove them)")
    log.info("%s: %d files in %d classes", path, len(texts), len(present))
    return LabeledTexts(texts, np.asarray(labels, dtype=np.int32), list(class_names), data_name(path),
                        sources=[Path(file).relative_to(path).as_posix() for file in files])


@collector_paused()
def _load_table(path: Path, text_column: str | None, label_column: str | None,
                class_names: list[str] | None, delimiter: str | None,
                pair_column: str | None, label_separator: str | None = None,
                multilabel: bool | None = None, encoding: str | None = None,
                label_names: dict[str, str] | None = None) -> LabeledTexts:
    """A table read a row at a time, keeping only the cells of its text and label columns: a
    million rows never stand in memory as a million dicts."""
    with TableReader(path, delimiter, encoding) as table:
        if not table.has_rows:
            raise DataError(f"{path}: no data rows")
        text_keys = [pick_column(path, table.columns, text_column, TEXT_COLUMNS, "--text-column")]
        label_key = pick_column(path, table.columns, label_column, LABEL_COLUMNS, "--label-column")
        if pair_column is not None:
            text_keys.append(pick_column(path, table.columns, pair_column, (), "--pair-column"))
        cells: list[list[str]] = [[] for _ in text_keys]
        values, distinct = [], {}
        for number, row in table:
            for key, column in zip(text_keys, cells):
                text = row.get(key)
                if text is None or not str(text).strip():
                    raise DataError(f"{path}: row {number}: empty text in column {key!r}")
                column.append(str(text))
            value = row.get(label_key)  # one string object per distinct label, not per row
            values.append(distinct.setdefault(value, value) if isinstance(value, str) else value)
    labels, class_names = encode_labels(path, label_key, values, class_names, label_separator,
                                        multilabel, label_names)
    pairs = cells[1] if pair_column is not None else None
    return LabeledTexts(cells[0], labels, class_names, data_name(path), pairs,
                        rows=np.arange(1, len(values) + 1))
