"""`score_table`: a table of any size scored as it streams (`tfsenti predict --file T --out F`).

Rows are read `CHUNK` at a time (`tfsenti.data.tables.TableReader`), scored (the classifier
sorts each chunk by length, so batches pad little) and written to `OUT.partial` with the input's
columns, then `label`, one `p_<class>` per class and `error`: empty, or why the row has no
prediction (an empty text), so the output keeps one row per input row. Memory holds one chunk,
whatever the table's size. After each chunk the rows written and the file's size go to
`OUT.partial.json`; a run that stops (Ctrl-C, a lost machine) leaves both, and `resume=True`
cuts the partial file back to its last whole chunk and continues with the next row. The finished
file is renamed to `OUT`.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from tfsenti import _interrupts
from tfsenti._staging import read_record, whole_file
from tfsenti.data.tables import (TEXT_COLUMNS, TableReader, TableWriter, parquet_file,
                                 pick_column, table_kind)
from tfsenti.errors import ConfigError
from tfsenti.inference.predictor import Classifier
from tfsenti.progress import Progress

log = logging.getLogger(__name__)
CHUNK = 2048  # rows read, scored and written at a time


@dataclasses.dataclass
class ScoredTable:
    """What `score_table` wrote: `rows` in all (with those of the run it resumed), `empty`: rows
    of this run without a prediction, the `columns` it added, in `seconds`."""

    path: Path | None
    rows: int
    empty: int
    columns: list[str]
    seconds: float


def added_columns(columns: list[str], class_names: list[str]) -> list[str]:
    """`label`, `p_<class>` per class and `error`, each prefixed `predicted_` when the input
    has a column of that name already.

    Example:
        >>> added_columns(["text", "label"], ["neg", "pos"])
        ['predicted_label', 'p_neg', 'p_pos', 'error']
    """
    names = ["label", *(f"p_{name}" for name in class_names), "error"]
    return [f"predicted_{name}" if name in columns else name for name in names]


def score_table(classifier: Classifier, source: str | Path, out: str | Path | None = None,
                text_column: str | None = None, pair_column: str | None = None,
                delimiter: str | None = None, batch_size: int = 64, resume: bool = False,
                progress: bool = False, stdout: TextIO | None = None,
                encoding: str | None = None) -> ScoredTable:
    """Score every row of the table `source` and write it with its predictions to `out`
    (`.csv`, `.tsv` or `.jsonl`; None: JSON lines on `stdout`). The text column is found as
    `load_dataset` finds it; a model of text pairs needs `pair_column`; `encoding` as for
    `load_dataset`.

    Example:
        >>> import tempfile
        >>> from tfsenti import load
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "in.csv").write_text("id,text\\n7,A joy.\\n8,\\n")
        >>> done = score_table(load("saved_models/demo"), folder / "in.csv", folder / "out.csv")
        >>> done.rows, done.empty, (folder / "out.csv").read_text().splitlines()[0]
        (2, 1, 'id,text,label,p_neg,p_pos,error')
    """
    start, source = time.monotonic(), Path(source)
    target = Path(out) if out is not None else None
    if target is not None and (table_kind(target) in (None, ".parquet")
                               or target.suffix.lower() == ".gz"):
        raise ConfigError(f"{target}: write the scores to a .csv, .tsv or .jsonl file")
    with TableReader(source, delimiter, encoding) as table:
        keys = _text_keys(classifier, source, table.columns, text_column, pair_column)
        columns = added_columns(table.columns, classifier.class_names)
        header = [*table.columns, *columns]
        rows = iter(table)
        if target is None:
            writer = TableWriter(stdout, ".jsonl", header)
            done, empty = _score_rows(classifier, rows, keys, columns, writer, batch_size)
        else:
            done, empty = _score_to_file(classifier, source, target, rows, keys, columns, header,
                                         batch_size, resume, progress)
    return ScoredTable(target, done, empty, columns, round(time.monotonic() - start, 1))


def _text_keys(classifier: Classifier, source: Path, columns: list[str], text_column: str | None,
               pair_column: str | None) -> list[str]:
    """The columns of each row's text (and pair) in `source`."""
    if classifier.takes_pairs != (pair_column is not None):
        raise ConfigError("the model takes text pairs: name the second text's column with "
                          "--pair-column" if classifier.takes_pairs else
                          "the model takes single texts: drop --pair-column")
    keys = [pick_column(source, columns, text_column, TEXT_COLUMNS, "--text-column")]
    if pair_column is not None:
        keys.append(pick_column(source, columns, pair_column, (), "--pair-column"))
    return keys


def _score_to_file(classifier: Classifier, source: Path, target: Path,
                   rows: Iterator[tuple[int, dict]], keys: list[str], columns: list[str],
                   header: list[str], batch_size: int, resume: bool, progress: bool
                   ) -> tuple[int, int]:
    """Score `rows` into `target` through `target.partial` and its record (module docstring)."""
    partial = target.with_name(target.name + ".partial")
    record_path = partial.with_name(partial.name + ".json")
    skip = 0
    if resume and record_path.exists():
        record = read_record(record_path)
        if record.get("source") != str(source.absolute()):
            raise ConfigError(f"{partial} scores {record.get('source')}, not {source}; run "
                              "without {resume} to start afresh", ["resume"])
        skip = record["rows"]
        with partial.open("r+b") as f:
            f.truncate(record["bytes"])
        log.info("resuming after row %d of %s", skip, source)
    elif resume:
        log.info("nothing to resume in %s: starting afresh", partial)
    written = skip

    def checkpoint(rows: int) -> None:
        nonlocal written
        written += rows
        _record(record_path, source, written, stream)
        bar.update(rows)

    with (partial.open("a" if skip else "w", encoding="utf-8", newline="") as stream,
          Progress(_total_rows(source) if progress else None, "scoring", "rows",
                   enabled=progress) as bar):
        writer = TableWriter(stream, table_kind(target), header)
        if not skip:
            writer.header()
        bar.done = skip
        try:
            _, empty = _score_rows(classifier, itertools.islice(rows, skip, None), keys, columns,
                                   writer, batch_size, checkpoint)
        except BaseException as err:
            if _interrupts.caused(err):
                err.add_note(f"{written} rows scored into {partial}; the same command with "
                             "--resume continues")
            else:  # bad data or a bug: nothing half-written stays
                partial.unlink(missing_ok=True)
                record_path.unlink(missing_ok=True)
            raise
    os.replace(partial, target)
    record_path.unlink(missing_ok=True)
    return written, empty


def _score_rows(classifier: Classifier, rows: Iterator[tuple[int, dict]], keys: list[str],
                columns: list[str], writer: TableWriter, batch_size: int,
                checkpoint: Callable[[int], None] | None = None) -> tuple[int, int]:
    """(rows, rows without text) of scoring and writing `rows` a chunk at a time; `checkpoint`
    is called with the rows of each chunk once they are written."""
    done = empty = 0
    for chunk in iter(lambda: list(itertools.islice(rows, CHUNK)), []):
        empty += _score_chunk(classifier, chunk, keys, columns, writer, batch_size)
        done += len(chunk)
        writer.stream.flush()
        if checkpoint is not None:
            checkpoint(len(chunk))
    return done, empty


def _score_chunk(classifier: Classifier, chunk: list[tuple[int, dict[str, Any]]],
                 keys: list[str], columns: list[str], writer: TableWriter,
                 batch_size: int) -> int:
    """Write the rows of `chunk` with their predictions; return how many had no text."""
    cells = [[_text(row.get(key)) for key in keys] for _, row in chunk]
    scored = [i for i, texts in enumerate(cells) if all(t.strip() for t in texts)]
    texts = [cells[i][0] for i in scored]
    pairs = [cells[i][1] for i in scored] if len(keys) == 2 else None
    predictions = classifier.predict(texts, batch_size, pairs=pairs) if scored else None
    results: dict[int, dict[str, Any]] = {}
    for position, i in enumerate(scored):
        label = predictions.labels[position]
        values = [",".join(label) if isinstance(label, list) else label,
                  *(round(float(p), 6) for p in predictions.probabilities[position]), None]
        results[i] = dict(zip(columns, values))
    for i, (_, row) in enumerate(chunk):
        writer.write({**row, **results.get(i, {columns[-1]: "empty text"})})
    return len(chunk) - len(scored)


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _record(path: Path, source: Path, rows: int, stream: TextIO) -> None:
    """Note that the partial file's first `rows` rows, and its current size, are complete."""
    os.fsync(stream.fileno())
    record = {"source": str(source.absolute()), "rows": rows, "bytes": stream.tell()}
    with whole_file(path) as f:
        f.write(json.dumps(record).encode("utf-8"))


def _total_rows(source: Path) -> int | None:
    """About how many rows `source` has (its line breaks, less a header), for the progress bar's
    time left (a Parquet file's metadata says); None for a gzipped file, which would have to be
    read twice."""
    if source.suffix.lower() == ".gz":
        return None
    if table_kind(source) == ".parquet":
        return parquet_file(source).metadata.num_rows
    with source.open("rb") as f:
        lines = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
    return max(lines - (table_kind(source) != ".jsonl"), 0)
