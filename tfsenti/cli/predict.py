"""What `tfsenti predict` does with its parsed arguments, and the reading and checking of the
texts that `predict` and `explain` are given. A table given to `--file` (`.csv`, `.tsv`,
`.jsonl`, or gzipped) is scored as it streams into another table
(`tfsenti.inference.batch_scoring`); other files, arguments and stdin are texts, one per line.
Heavy modules are imported inside each function, as in `tfsenti.cli.commands`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Callable

from tfsenti.data.tables import table_kind
from tfsenti.errors import TfsentiError

log = logging.getLogger(__name__)


def read_texts(args: argparse.Namespace) -> tuple[list[str], Callable[[int], str]]:
    """The lines `tfsenti predict` was given (arguments, `--file`, else stdin), unchecked, and
    how to name line n in an error."""
    from tfsenti.data.texts import file_lines

    if args.texts:
        return args.texts, lambda n: f"text {n}"
    if args.file:
        try:
            lines = file_lines(Path(args.file).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TfsentiError(f"{args.file}: no such file") from None
        except UnicodeDecodeError as err:
            raise TfsentiError(f"{args.file}: not UTF-8 text ({err.reason} at byte {err.start})") from None
        return lines, lambda n: f"{args.file}: line {n}"
    if sys.stdin.isatty():
        print("tfsenti: reading texts from the terminal, one per line; end with Ctrl-D",
              file=sys.stderr)
    return file_lines(sys.stdin.read()), lambda n: f"stdin: line {n}"


def checked_inputs(lines: list[str], where: Callable[[int], str], skip_empty: bool,
                   pairs: bool = False, pair: str | None = None
                   ) -> tuple[list[str], list[str] | None]:
    """(texts, pairs) from `lines`: blank lines are an error (unless `skip_empty`); for a model
    of text pairs, `pair` is every text's second text, else each line is `TEXT<TAB>PAIR`.

    Warns once about texts with no letter or digit: the tokenizer turns emoji and symbols into
    [UNK], so the model's answer for such a text says nothing about it."""
    texts, seconds, letterless = [], [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if not skip_empty:
                raise TfsentiError(f"{where(number)}: empty text (--skip-empty leaves blank texts "
                                   "out)")
            continue
        text, second = line, pair
        if pairs and pair is None:
            text, tab, second = line.partition("\t")
            if not tab:
                raise TfsentiError(f"{where(number)}: the model takes text pairs: write TEXT<TAB>"
                                   "PAIR, or give every text the same pair with --pair")
            if not text.strip() or not second.strip():
                raise TfsentiError(f"{where(number)}: empty {'text' if not text.strip() else 'pair'}"
                                   " before or after the tab")
        texts.append(text)
        seconds.append(second)
        if not any(c.isalnum() for c in text):
            letterless.append(number)
    if letterless:
        log.warning("%d text(s) have no letter or digit, so the model sees only unknown tokens or "
                    "punctuation (first: %s: %r); their predictions mean little", len(letterless),
                    where(letterless[0]), lines[letterless[0] - 1][:60])
    return texts, (seconds if pairs else None)


def load_classifier(model: str):
    """The `Classifier` of `--model`: a `.tflite` file from `export --format tflite`, else an
    exported model folder."""
    if Path(model).suffix == ".tflite":
        from tfsenti.inference.tflite import load_tflite

        return load_tflite(model)
    from tfsenti.inference.predictor import load

    return load(model)


def run_predict(args: argparse.Namespace) -> None:
    if args.file is not None and table_kind(args.file) is not None:
        run_predict_table(args)
        return
    if args.out is not None or args.resume:
        raise TfsentiError("--out and --resume score a table: give --file a .csv, .tsv or .jsonl "
                           "file")
    classifier = load_classifier(args.model)
    if args.pair is not None and not classifier.takes_pairs:
        raise TfsentiError(f"{args.model} takes single texts: drop --pair")
    if args.pair is not None and not args.pair.strip():
        raise TfsentiError("--pair is empty")
    texts, pairs = checked_inputs(*read_texts(args), args.skip_empty, classifier.takes_pairs,
                                  args.pair)
    predictions = classifier.predict(texts, args.batch_size, progress=not args.quiet, pairs=pairs)
    for record in predictions.records(texts, classifier.class_names, pairs):
        print(json.dumps(record, ensure_ascii=False))


def writable_file(path: str, overwrite: bool, what: str) -> Path:
    """`path` as a file a command may write `what` to: refused before any work if it exists
    (unless `overwrite`) or its folder does not."""
    out = Path(path)
    if out.exists() and not overwrite:
        raise TfsentiError(f"{out} already exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        raise TfsentiError(f"{out}: no such folder to write {what} in")
    return out


def run_predict_table(args: argparse.Namespace) -> None:
    """Score the table `--file` into `--out` (or JSON lines on stdout)."""
    from tfsenti.inference.batch_scoring import score_table

    out = writable_file(args.out, args.overwrite, "the scores") if args.out is not None else None
    if args.resume and out is None:
        raise TfsentiError("--resume continues a table scored into --out: name it")
    if args.pair is not None:
        raise TfsentiError("--pair is for texts given one per line; a table names its second "
                           "text's column with --pair-column")
    done = score_table(load_classifier(args.model), args.file, out,
                       getattr(args, "text_column", None), getattr(args, "pair_column", None),
                       getattr(args, "delimiter", None), args.batch_size, args.resume,
                       progress=not args.quiet, stdout=sys.stdout,
                       encoding=getattr(args, "encoding", None))
    if out is not None:
        print(f"scored {done.rows} rows of {args.file} into {out} in {done.seconds:.0f} s"
              + (f"; {done.empty} without text (column {done.columns[-1]!r} says so)"
                 if done.empty else ""))
