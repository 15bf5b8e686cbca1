"""Tables: CSV, TSV, JSONL and Parquet files, read and written one row at a time (`TableReader`,
`TableWriter`), so files larger than memory pass through.

One set of rules for every command that reads a table: the kind comes from the suffix (`.csv`,
`.tsv`, `.jsonl`, each also gzipped as `.gz`, and `.parquet`, read a row group at a time with
pyarrow, `pip install pyarrow`); a CSV's delimiter is the one its header line uses
most; column names are trimmed, and blank or repeated names are refused (which of two `label`
columns would be meant?); a column is found by its name, or by the name ignoring case when only
one column matches. Cells of any size are read whole.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text(" Text ;Label\\nGreat, really;pos\\n")
    >>> with TableReader(path) as table:
    ...     table.columns, pick_column(path, table.columns, "text", (), "--text-column"), list(table)
    (['Text', 'Label'], 'Text', [(1, {'Text': 'Great, really', 'Label': 'pos'})])
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from tfsenti.config import DELIMITERS
from tfsenti.data.encodings import sniff, undecodable
from tfsenti.errors import DataError

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
TABLE_KINDS = "a .csv, .tsv or .jsonl file (each also .gz) or a .parquet file"
TEXT_COLUMNS = ("text", "sentence", "review", "content")  # found without --text-column
LABEL_COLUMNS = ("label", "sentiment", "class", "target")  # found without --label-column
_TSV_BREAKS = re.compile(r"[\t\r\n]")
CSV_DELIMITERS = "".join(DELIMITERS.values())  # what spreadsheets write to a ".csv" by locale
csv.field_size_limit(sys.maxsize if sys.maxsize < 2 ** 63 else 2 ** 63 - 1)  # whole legal texts


def table_kind(path: str | Path) -> str | None:
    """`.csv`, `.tsv` or `.jsonl` for a table (gzipped or not), `.parquet`, else None.

    Example:
        >>> table_kind("reviews.jsonl.gz"), table_kind("Reviews.TSV"), table_kind("notes.txt")
        ('.jsonl', '.tsv', None)
    """
    suffixes = [s.lower() for s in Path(path).suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
        if suffixes and suffixes[-1] == ".parquet":  # compressed inside already
            return None
    return suffixes[-1] if suffixes and suffixes[-1] in TABLE_SUFFIXES else None


def open_table(path: Path, encoding: str | None = None) -> TextIO:
    """The text stream to read a table file (gzip by its suffix) in `encoding`, default UTF-8 or
    as its byte-order mark says (`tfsenti.data.encodings.sniff`). Lines break at \\n, \\r\\n and
    \\r only, as the csv module expects."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as f:
        head = f.read(4)
    return opener(path, "rt", encoding=sniff(head, encoding), newline="")


def csv_delimiter(header: str) -> str:
    """The one of `CSV_DELIMITERS` the header line holds most often (outside quotes); a comma
    when it holds none: a header names the columns, so its separators are the file's."""
    unquoted = "".join(header.split('"')[::2])
    counts = {d: unquoted.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def checked_columns(path: Path, names: list[Any]) -> list[str]:
    """The header's column names, trimmed; blank or repeated names are a `DataError`."""
    columns = [str(name).strip() for name in names]
    if any(not name for name in columns):
        raise DataError(f"{path}: the header has a blank column name (columns: {columns}); name "
                        "every column")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise DataError(f"{path}: the header names {', '.join(map(repr, repeated))} more than "
                        "once; rename the repeated columns")
    return columns


def pick_column(path: Path, columns: list[str], wanted: str | None, candidates: tuple[str, ...],
                option: str) -> str:
    """The column `wanted` names (exactly, else ignoring case if only one column matches), or
    the first of `candidates` found; a `DataError` naming `option` otherwise."""
    for name in ([wanted] if wanted is not None else candidates):
        if name in columns:
            return name
        folded = [c for c in columns if c.lower() == name.lower()]
        if len(folded) == 1:
            return folded[0]
    if wanted is not None:
        raise DataError(f"{path}: no column {wanted!r} (columns: {columns})")
    raise DataError(f"{path}: none of the columns {list(candidates)} found (columns: {columns}); "
                    f"name one with {option}")


class TableReader:
    """The rows of a table as (row number from 1, {column: cell}), one at a time; `columns`
    after opening. A .jsonl file's columns are its first row's keys; blank lines are skipped."""

    def __init__(self, path: str | Path, delimiter: str | None = None,
                 encoding: str | None = None):
        self.path, self.kind, self.encoding = Path(path), table_kind(path), encoding
        if self.kind is None:
            raise DataError(f"{path}: not a table ({TABLE_KINDS})")
        if delimiter is not None and delimiter not in DELIMITERS:
            raise DataError(f"delimiter must be one of {', '.join(DELIMITERS)} (got {delimiter!r})")
        self.delimiter, self.columns = delimiter, []

    def __enter__(self) -> "TableReader":
        if self.kind == ".parquet":
            self._stream = parquet_file(self.path)
            self.columns = checked_columns(self.path, self._stream.schema_arrow.names)
            self._rows = self._parquet()
            self._first = next(self._rows, None)
            return self
        self._stream = open_table(self.path, self.encoding)
        try:
            self._rows = self._jsonl() if self.kind == ".jsonl" else self._delimited()
            self._first = next(self._rows, None)
        except UnicodeDecodeError:
            self._stream.close()
            raise self._undecodable() from None
        return self

    def __exit__(self, *exc) -> None:
        self._stream.close()

    @property
    def has_rows(self) -> bool:
        """Whether the table holds a data row (known once opened)."""
        return self._first is not None

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if self._first is None:
            return
        yield 1, self._first
        try:
            for number, row in enumerate(self._rows, start=2):
                yield number, row
        except UnicodeDecodeError:
            raise self._undecodable() from None

    def _undecodable(self) -> DataError:
        if self.path.suffix.lower() == ".gz":  # its bytes are compressed: no position to name
            return DataError(f"{self.path}: not {self.encoding or 'UTF-8'} text; name its "
                             "encoding with --encoding")
        return undecodable(self.path, self.encoding)

    def _delimited(self) -> Iterator[dict[str, str]]:
        tsv = self.kind == ".tsv"
        header = self._stream.readline()
        separator = (DELIMITERS[self.delimiter] if self.delimiter else "\t" if tsv
                     else csv_delimiter(header))
        # TSV files such as SST-2's quote nothing: a '"' there is part of the text
        quoting = csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL
        names = next(csv.reader([header], delimiter=separator, quoting=quoting), [])
        self.columns = checked_columns(self.path, names) if names else []
        for cells in csv.reader(self._stream, delimiter=separator, quoting=quoting):
            if cells:
                yield dict(zip(self.columns, cells))

    def _parquet(self) -> Iterator[dict[str, Any]]:
        for batch in self._stream.iter_batches(batch_size=1024):
            for values in zip(*(column.to_pylist() for column in batch.columns)):
                yield dict(zip(self.columns, values))

    def _jsonl(self) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(self._stream, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{self.path}: line {number}: invalid JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{self.path}: line {number}: expected a JSON object")
            if not self.columns:
                self.columns = list(row)
            yield row


def parquet_file(path: Path):
    """`pyarrow.parquet.ParquetFile` of `path`; a `DataError` when pyarrow is missing or the
    file is not Parquet."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from None
    try:
        return pq.ParquetFile(path)
    except Exception as err:  # pyarrow.ArrowInvalid and kin: the message says what is wrong
        raise DataError(f"{path}: not a Parquet file ({err})") from None


class TableWriter:
    """Rows written to a CSV, TSV or JSONL stream as dicts of `columns`."""

    def __init__(self, stream: TextIO, kind: str, columns: list[str]):
        self.stream, self.kind, self.columns = stream, kind, columns
        if kind == ".tsv":  # unquoted, as TSV readers expect: tabs and line breaks become spaces
            self._csv = csv.DictWriter(stream, columns, delimiter="\t", quoting=csv.QUOTE_NONE,
                                       quotechar=None, lineterminator="\n")
        elif kind == ".csv":
            self._csv = csv.DictWriter(stream, columns, lineterminator="\n")

    def header(self) -> None:
        if self.kind != ".jsonl":
            self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self.kind == ".jsonl":
            self.stream.write(json.dumps({c: row.get(c) for c in self.columns},
                                         ensure_ascii=False) + "\n")
        else:
            self._csv.writerow({c: self._cell(row.get(c)) for c in self.columns})

    def _cell(self, value: Any) -> str:
        """A value as a cell: text as it is (for TSV without tabs or line breaks), None empty,
        anything else (a JSONL list or number) as JSON."""
        text = value if isinstance(value, str) else "" if value is None else json.dumps(value)
        return " ".join(_TSV_BREAKS.split(text)) if self.kind == ".tsv" else text

