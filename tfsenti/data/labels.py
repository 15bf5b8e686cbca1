"""Label cells of a table -> class names and label arrays, single-label or multi-label.

A cell is one label (a name or a number), or a list of labels: a JSON array in a .jsonl file, or
a cell split on `--label-separator`. A column of lists is multi-label data (a 0/1 row per text);
a column of single labels gives one class index per text. Every refusal names the file, the row
and the column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tfsenti.errors import DataError


# what spreadsheets and data frames write for a missing label; "none" can be a class, so it stays
MISSING = ("na", "n/a", "#n/a", "nan", "null", "nil", "undefined")


def encode_labels(path: Path, column: str, cells: list, class_names: list[str] | None,
                  separator: str | None = None, multilabel: bool | None = None,
                  names: dict[str, str] | None = None) -> tuple[np.ndarray, list[str]]:
    """(labels, class names) of a table's label `cells`, one per data row.

    Args:
        path, column: where the cells come from, for error messages.
        cells: the raw values (strings, numbers, lists from JSON, None where missing).
        class_names: the classes the labels must come from (a trained model's); default: the
            distinct labels, sorted numerically when all are integers, else alphabetically.
        separator: split string cells on it into lists of labels.
        multilabel: what the cells must hold (a trained model's kind); default: as found.
        names: {label in the cells: class name} (`--class-names 0=neg,1=pos`): every label is
            named, and the classes come in this order.

    Example:
        >>> labels, names = encode_labels(Path("t.jsonl"), "label", [["joy", "awe"], [], ["joy"]],
        ...                               None)
        >>> names, labels.tolist()
        (['awe', 'joy'], [[1, 1], [0, 0], [0, 1]])
        >>> encode_labels(Path("t.csv"), "label", ["10", "9", "10"], None)[0].tolist()
        [1, 0, 1]
        >>> encode_labels(Path("t.csv"), "label", ["1", "0"], None, names={"0": "neg", "1": "pos"})
        (array([1, 0], dtype=int32), ['neg', 'pos'])
    """
    if separator is not None and not separator.strip():
        raise DataError(f"--label-separator must be a visible string (got {separator!r})")
    if multilabel and separator is None and not any(isinstance(c, list) for c in cells):
        # before any cell is read: an empty cell would otherwise be reported as a missing label
        raise DataError(f"{path}: column {column!r} holds one label per row, but the model is "
                        "multi-label: write each row's labels as a JSON list, or give "
                        "--label-separator")
    values = [_label_value(path, number, column, cell, separator)
              for number, cell in enumerate(cells, start=1)]
    multilabel = _is_multilabel(path, column, values, multilabel)
    if names is not None:
        values = _named(path, column, values, names)
        class_names = class_names or list(names.values())
    names = [n for v in values for n in v] if multilabel else values
    if class_names is None:
        if not multilabel:
            _check_label_kinds(path, column, values)
        class_names = _label_order(names)
        if len(class_names) < 2:
            raise DataError(f"{path}: column {column!r} has {len(class_names)} distinct label"
                            f"{'' if class_names else 's'}"
                            f"{f' ({class_names[0]!r})' if class_names else ''}; need at least 2")
    unseen = sorted(set(names) - set(class_names))
    if unseen:
        raise DataError(f"{path}: labels {unseen} in column {column!r} were not seen in "
                        f"training (model classes: {class_names})")
    index = {name: i for i, name in enumerate(class_names)}
    if not multilabel:
        return np.asarray([index[v] for v in values], dtype=np.int32), list(class_names)
    labels = np.zeros((len(values), len(class_names)), dtype=np.int32)
    for row, value in enumerate(values):
        labels[row, [index[v] for v in value]] = 1
    return labels, list(class_names)


def _named(path: Path, column: str, values: list, names: dict[str, str]) -> list:
    """`values` (labels or lists of labels) with each label replaced by its name in `names`;
    a label `names` does not name is a `DataError` naming its row."""
    def name(label: str, number: int) -> str:
        if label not in names:
            raise DataError(f"{path}: row {number}: label {label!r} in column {column!r} has no "
                            f"name in --class-names (it names {', '.join(map(repr, names))})")
        return names[label]

    return [[name(v, n) for v in value] if isinstance(value, list) else name(value, n)
            for n, value in enumerate(values, start=1)]


def _check_label_kinds(path: Path, column: str, values: list[str]) -> None:
    """Refuse a label column that mixes whole numbers and names (`1` and `neg`): either kind
    alone is a set of classes, a mix is almost always two label schemes pasted together."""
    kinds: dict[bool, int] = {}
    for number, value in enumerate(values, start=1):
        kinds.setdefault(value.lstrip("+-").isdigit(), number)
        if len(kinds) == 2:
            number_row, name_row = kinds[True], kinds[False]
            raise DataError(f"{path}: column {column!r} mixes numbers (row {number_row}: "
                            f"{values[number_row - 1]!r}) and names (row {name_row}: "
                            f"{values[name_row - 1]!r}); use one kind of label")


def _label_order(values: list[str]) -> list[str]:
    """Distinct labels, sorted numerically when they are all integers, else alphabetically."""
    distinct = set(values)
    try:
        return sorted(distinct, key=int)
    except ValueError:
        return sorted(distinct)


def _label_value(path: Path, number: int, column: str, value, separator: str | None
                 ) -> str | list[str]:
    """Row `number`'s label: a name, or a list of names (a JSON array, or a cell split on
    `separator`, where an empty cell is the empty list)."""
    if isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, (list, dict)) or item is None or not str(item).strip():
                raise DataError(f"{path}: row {number}: column {column!r} lists {item!r}; a label "
                                "is a name or a number")
            names.append(str(item).strip())
        return list(dict.fromkeys(names))
    if value is None or (str(value).strip() == "" and separator is None):
        raise DataError(f"{path}: row {number}: empty label in column {column!r}")
    if separator is not None:
        return list(dict.fromkeys(p.strip() for p in str(value).split(separator) if p.strip()))
    if str(value).strip().lower() in MISSING:
        raise DataError(f"{path}: row {number}: label {str(value).strip()!r} in column {column!r} "
                        "looks like a missing value; give the row its label or leave the row out")
    return str(value).strip()


def _is_multilabel(path: Path, column: str, values: list, expected: bool | None) -> bool:
    """Whether the label column holds lists; a column mixing lists and single labels, or lists
    for a single-label model (`expected` False), is refused naming a row."""
    first_list = next((n for n, v in enumerate(values, start=1) if isinstance(v, list)), None)
    first_single = next((n for n, v in enumerate(values, start=1) if not isinstance(v, list)), None)
    if first_list and first_single:
        raise DataError(f"{path}: column {column!r} mixes lists of labels (row {first_list}) and "
                        f"single labels (row {first_single}); write every row's labels as a list")
    multilabel = first_list is not None
    if expected is False and multilabel:
        raise DataError(f"{path}: row {first_list}: column {column!r} holds a list of labels, but "
                        "the model takes one label per text")
    return multilabel
