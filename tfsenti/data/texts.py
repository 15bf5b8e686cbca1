"""`LabeledTexts`: texts (or text pairs), their labels, the class names and where they came from.

Single-label data hold one class index per example; multi-label data (several labels per text:
emotions, topics, toxicity kinds) hold a 0/1 row per example, one column per label name.

Every loader returns one; the training input pipeline, evaluation and the leakage checks take
one. Splitting and sampling keep the class names, so labels stay comparable across the parts.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from tfsenti.errors import DataError

_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def file_lines(raw: str) -> list[str]:
    """The lines of a text file's contents, broken at \\n, \\r\\n and \\r only.

    `str.splitlines` also breaks at characters that real texts hold inside a line: U+0085 (IMDB
    reviews use it for Windows-1252's ellipsis), U+2028, form feeds and the separators 0x1C-0x1E.
    One review would become two rows there, with no label on the first.

    Example:
        >>> file_lines("great\\x85 really\\tpos\\r\\nawful\\tneg\\n")
        ['great\\x85 really\\tpos', 'awful\\tneg']
    """
    lines = _LINE_BREAK.split(raw)
    return lines[:-1] if lines[-1] == "" else lines


@dataclasses.dataclass
class LabeledTexts:
    """Texts, labels and where they came from; with `pairs`, each example is the pair
    (texts[i], pairs[i]): an aspect or a hypothesis with its text. `sources` name each example's
    file in a folder (`pos/12_9.txt`), `rows` its row number in a table (from 1), when a loader
    knows it; `source(i)` says either (`row 12`). A table's rows are numbers, not a string each:
    a million rows' names would take 56 MB.

    `labels` is int32 [N] (indices into `class_names`), or for multi-label data int32 [N, C]
    (1 where the label of column c applies; a row may hold none or several).

    Example:
        >>> data = LabeledTexts(["great", "awful", "fine"], np.array([1, 0, 1]), ["neg", "pos"], "mine")
        >>> len(data), data.class_names[data.labels[0]]
        (3, 'pos')
        >>> LabeledTexts(["the food was great, the service slow"], np.array([0]), ["neg", "pos"],
        ...              "aspects", pairs=["service"]).shown_texts()
        ['the food was great, the service slow | service']
        >>> tags = LabeledTexts(["joy and awe", "calm"], np.array([[1, 1], [0, 0]]), ["awe", "joy"],
        ...                     "emotions")
        >>> tags.multilabel, tags.label_names(0)
        (True, ['awe', 'joy'])
    """

    texts: list[str]
    labels: np.ndarray
    class_names: list[str]
    name: str
    pairs: list[str] | None = None
    sources: list[str] | None = None
    rows: np.ndarray | None = None

    def source(self, index: int) -> str | None:
        """Where example `index` came from (`pos/12_9.txt`, `row 12`), if its loader said."""
        if self.sources is not None:
            return self.sources[index]
        return None if self.rows is None else f"row {self.rows[index]}"

    def shown_texts(self) -> list[str]:
        """The examples as one string each, for reports and warnings: `text | pair` for pairs."""
        if self.pairs is None:
            return list(self.texts)
        return [f"{text} | {pair}" for text, pair in zip(self.texts, self.pairs)]

    @property
    def multilabel(self) -> bool:
        """Whether each example holds a set of labels (a 0/1 row) rather than one class."""
        return self.labels.ndim == 2

    def label_names(self, index: int) -> list[str]:
        """The label names of example `index`: one for single-label data, any number otherwise."""
        if self.multilabel:
            return [name for name, on in zip(self.class_names, self.labels[index]) if on]
        return [self.class_names[self.labels[index]]]

    def members(self, label: int) -> np.ndarray:
        """Indices of the examples that carry class `label`."""
        return np.flatnonzero(self.labels[:, label] if self.multilabel else self.labels == label)

    def __len__(self) -> int:
        return len(self.texts)

    def split(self, fraction: float, seed: int) -> tuple["LabeledTexts", "LabeledTexts"]:
        """Stratified (train, validation) split with `fraction` of each class in validation;
        multi-label data are split at random (examples carry several labels).

        Example:
            >>> data = LabeledTexts([f"text {i}" for i in range(20)], np.arange(20) % 2,
            ...                     ["neg", "pos"], "mine")
            >>> train, val = data.split(0.2, seed=42)
            >>> len(train), np.bincount(val.labels).tolist(), val.name
            (16, [2, 2], 'mine[validation]')
        """
        rng = np.random.default_rng(seed)
        val = np.zeros(len(self), dtype=bool)
        groups = ([np.arange(len(self))] if self.multilabel else
                  [np.flatnonzero(self.labels == label) for label in np.unique(self.labels)])
        for group in groups:
            members = rng.permutation(group)
            val[members[:int(round(len(members) * fraction))]] = True
        if val.all() or not val.any():
            raise DataError(f"{self.name}: {len(self)} examples are too few for a "
                            f"validation split of {fraction}")
        return self.subset(~val, "train"), self.subset(val, "validation")

    def subset(self, mask: np.ndarray, suffix: str) -> "LabeledTexts":
        """The examples where the boolean `mask` is true, named `NAME[suffix]`."""
        def kept(values: list[str] | None) -> list[str] | None:
            return None if values is None else [v for v, keep in zip(values, mask) if keep]

        return LabeledTexts(kept(self.texts), self.labels[mask], self.class_names,
                            f"{self.name}[{suffix}]", kept(self.pairs), kept(self.sources),
                            None if self.rows is None else self.rows[mask])

    def head_per_class(self, count: int) -> "LabeledTexts":
        """The first `count` examples of each class, in their original order: a small balanced
        sample for a quick run.

        Example:
            >>> from tfsenti import DEMO_DATA, load_dataset
            >>> data = load_dataset(DEMO_DATA / "train").head_per_class(5)
            >>> len(data), np.bincount(data.labels).tolist()
            (10, [5, 5])
        """
        keep = np.zeros(len(self), dtype=bool)
        for label in range(len(self.class_names)):
            keep[self.members(label)[:count]] = True
        return self.subset(keep, f"first {count} per class")
