"""`tfsenti` command line: options generated from the `TrainConfig` declarations, commands that
call the public API, errors in one line. This module holds the parser and `main`; `commands`
what each command does (`train`, `evaluate`, `explain`, `audit`, `lr-find`, `data`, `demo`,
`convert`, `encoders`), `predict` and `export` the two commands with most to read and check.

Exit codes: 0 on success, 2 on bad input (a bad argument or a `TfsentiError`, printed as
`tfsenti: error: ...`), 1 when `export --check-serving` flags ops; `main` returns 130 on a
Ctrl-C, and the command then ends by SIGINT (`tfsenti.__main__`; a shell's 130). Options are
checked before TensorFlow loads, and only commands that run a model load it, without its start-up
logs (`--verbose` or `TFSENTI_TF_LOGS=1` shows them).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
import typing

from tfsenti import _interrupts
from tfsenti.cli import commands, export, predict
from tfsenti._startup import load_tensorflow
from tfsenti.config import (GROUPS, PRECISIONS, TrainConfig, check_option, flag_of,
                            option_fields)
from tfsenti.data.download import IMDB_SHA256, IMDB_URL
from tfsenti.errors import ConfigError, TfsentiError


# the options that say how to read a labelled table, for the commands that read one
TABLE_OPTIONS = ("text_column", "pair_column", "label_column", "label_separator", "delimiter",
                 "encoding", "class_names")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> typing.NoReturn:  # one line, not a usage screen
        self.exit(2, f"tfsenti: error: {message} (see `{self.prog} --help`)\n")


def add_config_options(parser: argparse.ArgumentParser, command: str,
                       names: tuple[str, ...] | None = None) -> None:
    """Add the TrainConfig options `command` takes (or only `names`), from their declarations.
    Options not given stay out of the namespace, so a saved run's values (`--config`) or the
    declared defaults apply."""
    hints = typing.get_type_hints(TrainConfig)
    groups = {g: parser.add_argument_group(f"{g} options") for g in GROUPS}
    for field in option_fields(command):
        if names is not None and field.name not in names:
            continue
        meta = field.metadata
        default = "" if field.default in (None, False) else f" (default {field.default})"
        kwargs = {"dest": field.name, "default": argparse.SUPPRESS,
                  "help": (meta["help"] + default).replace("%", "%%")}
        if hints[field.name] is bool:
            kwargs["action"] = "store_true"
        else:
            kwargs["type"] = meta["parse"] or next(t for t in typing.get_args(hints[field.name])
                                                   or [hints[field.name]] if t is not type(None))
            kwargs["metavar"] = meta["metavar"] or field.name.upper()
        groups[meta["group"]].add_argument(flag_of(field.name), **kwargs)


def _command(sub, name: str, func, summary: str, tensorflow: bool = True,
             config: str | None = None) -> argparse.ArgumentParser:
    """A subcommand; `tensorflow`: it runs a model (TensorFlow loads first, quietly); `config`:
    the command whose TrainConfig options it takes."""
    p = sub.add_parser(name, help=summary, description=summary)
    p.set_defaults(func=func, tensorflow=tensorflow, config_command=config)
    if tensorflow:
        p.add_argument("--verbose", action="store_true",
                       help="show TensorFlow's start-up and native log lines")
    if config:
        add_config_options(p, config)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tfsenti", description="Fine-tune BERT encoders for text "
                     "classification; export SavedModels that take raw strings.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = _command(sub, "train", commands.run_train, "fine-tune on a folder or table; export a raw-string "
                 "SavedModel with metrics, plots and a report", config="train")
    p.add_argument("data", nargs="?", help="folder of class subfolders (or with train/ and test/), "
                   "or .csv/.tsv/.jsonl")
    p.add_argument("--config", default=None, metavar="MODEL/config.json", help="re-run a saved "
                   "run: its data and options, overridden by the options given here")
    p.add_argument("--val", default=None, help="validation data (instead of --val-split)")
    p.add_argument("--test", default=None, help="test data, evaluated after training")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--out", default=None, help="output folder")
    out.add_argument("--name", default=None,
                     help="saved_models/NAME (default <data>_<YYYYMMDD>_acc<NN>)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from OUT.partial (its last epoch checkpoint)")
    p.add_argument("--quiet", action="store_true", help="no progress output")

    p = _command(sub, "lr-find", commands.run_lr_find, "learning-rate range test: loss vs learning rate "
                 "plot and a suggested --lr", config="lr-find")
    p.add_argument("data", help="training data, as for train")
    p.add_argument("--start-lr", type=float, default=1e-7, help="first rate (default 1e-7)")
    p.add_argument("--end-lr", type=float, default=1e-2, help="last rate (default 1e-2)")
    p.add_argument("--steps", type=int, default=100, help="batches at most (default 100)")
    p.add_argument("--out", default="lr_find", help="folder for lr_find.png and lr_find.json "
                   "(default ./lr_find)")
    p.add_argument("--quiet", action="store_true", help="no progress output")

    p = _command(sub, "predict", predict.run_predict, "predictions of an exported model: JSON "
                 "lines for texts, or a whole table scored into another")
    p.add_argument("--model", required=True, help="exported model folder or .tflite file")
    p.add_argument("texts", nargs="*", help="texts (default: --file, else one per line on stdin)")
    p.add_argument("--file", default=None, help="a table (.csv, .tsv, .jsonl, or one of them "
                   ".gz), scored row by row, its text column found as train finds it; any other "
                   "file: one text per line (for a model of text pairs: TEXT<TAB>PAIR)")
    p.add_argument("--out", default=None, help="the scored table (.csv, .tsv or .jsonl): the "
                   "input's columns, then label, p_<class> per class and error (default: JSON "
                   "lines on stdout)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted --out from "
                   "OUT.partial")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    add_config_options(p, "train", names=("text_column", "pair_column", "delimiter", "encoding"))
    p.add_argument("--pair", default=None, metavar="TEXT", help="for a model of text pairs: the "
                   "second text of every text (an aspect, a hypothesis)")
    p.add_argument("--skip-empty", action="store_true", help="leave blank texts out (default: "
                   "an error naming the line); a table's blank texts are marked in its error "
                   "column")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = _command(sub, "explain", commands.run_explain, "which words made an exported model decide "
                 "(integrated gradients): coloured on a terminal, --json lines or an --html page")
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("texts", nargs="*", help="texts (default: --file, else one per line on stdin)")
    p.add_argument("--file", default=None, help="file with one text per line")
    p.add_argument("--json", action="store_true", help="JSON lines: text, label, probability, "
                   "each word with its attribution")
    p.add_argument("--html", default=None, metavar="FILE", help="also write a self-contained "
                   "HTML page of the coloured texts")
    p.add_argument("--steps", type=int, default=32, help="integration steps (default 32)")
    p.add_argument("--skip-empty", action="store_true", help="leave blank texts out (default: "
                   "an error naming the line)")

    p = _command(sub, "evaluate", commands.run_evaluate, "metrics (JSON) of an exported model on "
                 "labelled data")
    p.add_argument("--model", required=True, help="exported model folder or .tflite file")
    p.add_argument("data", help="folder of class subfolders, or .csv/.tsv/.jsonl")
    add_config_options(p, "train", names=TABLE_OPTIONS)
    p.add_argument("--report", default=None, help="also write metrics.json, plot and report.md here")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --report folder")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = _command(sub, "audit", commands.run_audit, "find likely label errors: train on k folds, "
                 "flag texts whose given label the out-of-fold probabilities doubt (confident "
                 "learning)", config="train")
    p.add_argument("data", help="folder of class subfolders, or .csv/.tsv/.jsonl")
    p.add_argument("--folds", type=int, default=4, help="models to train, each predicting the "
                   "texts it did not see (default 4)")
    p.add_argument("--out", default="label_issues.csv", help="the table of flagged texts "
                   "(default ./label_issues.csv)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    p.add_argument("--quiet", action="store_true", help="no progress output")

    p = _command(sub, "export", export.run_export, "copy a model into TF Serving's "
                 "NAME/VERSION layout and check its ops against TF Serving, write a bfloat16 copy, "
                 "or convert it to one .tflite file")
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("--format", choices=["savedmodel", "tflite"], default="savedmodel",
                   help="savedmodel (TF Serving; --serving-dir, --check-serving) or tflite (--out)")
    p.add_argument("--out", default=None, help="tflite: the .tflite file to write (with "
                   "FILE.json beside it: class names, accuracy check); --precision bfloat16: the "
                   "model folder to write")
    p.add_argument("--quantize", choices=["none", "dynamic", "float16"], default="none",
                   help="tflite weights: none (float32), dynamic (int8 weights) or float16")
    p.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                   help="savedmodel: bfloat16 writes a copy with bfloat16 weights and arithmetic "
                   "to --out (faster batches on CPUs with AVX512_BF16 or AMX); --serving-dir and "
                   "--check-serving then take that copy")
    p.add_argument("--check-data", default=None, help="labelled folder or table: score the "
                   "export and the model on it; refuse the export (exit 1) if accuracy drops more "
                   "than --max-drop")
    p.add_argument("--max-drop", type=float, default=0.5,
                   help="accuracy points --check-data may lose (default 0.5)")
    add_config_options(p, "train", names=TABLE_OPTIONS)
    p.add_argument("--serving-dir", default=None, help="TF Serving model base folder: the model "
                   "goes to DIR/NAME/VERSION/")
    p.add_argument("--name", default=None, help="model name (default: the model folder's name)")
    p.add_argument("--version", type=int, default=None,
                   help="version number (default: one more than the highest in DIR/NAME)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing version or "
                   ".tflite file")
    p.add_argument("--check-serving", action="store_true",
                   help="list the graph's op types and flag any TF Serving < 2.20 lacks (exit 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = _command(sub, "data", commands.run_data, "download a public data set", tensorflow=False)
    p.add_argument("dataset", choices=["imdb"])
    p.add_argument("--dest", default="data", help="destination folder (default ./data)")
    p.add_argument("--url", default=IMDB_URL, help="mirror of aclImdb_v1.tar.gz")
    p.add_argument("--sha256", default=IMDB_SHA256, help="expected SHA-256 of the archive at --url")
    p.add_argument("--quiet", action="store_true", help="no download progress")

    p = _command(sub, "demo", commands.run_demo, "fine-tune the default encoder on the bundled reviews")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--quiet", action="store_true", help="no progress output")

    p = _command(sub, "convert", commands.run_convert, "Hugging Face BERT checkpoint -> TF-Hub "
                 "preprocess + encoder")
    p.add_argument("hf_dir", help="folder with config.json, model.safetensors, vocab.txt")
    p.add_argument("out_dir", help="output folder (must not exist)")
    p.add_argument("--precision", default="float32", choices=PRECISIONS,
                   help="what the encoder computes in; train it with the same --precision")
    p.add_argument("--attention-dropout", type=float, metavar="RATE",
                   help="dropout on attention probabilities in training instead of the "
                        "checkpoint's (usually 0.1); 0 trains faster, above all with "
                        "mixed_bfloat16 on CPUs with AMX or AVX512_BF16")

    p = _command(sub, "encoders", commands.run_encoders, "list the encoder names --encoder accepts",
                 tensorflow=False)
    p.add_argument("-v", "--verbose", action="store_true", help="also print the handles")
    return parser


def train_config_of(args: argparse.Namespace) -> TrainConfig:
    """The validated TrainConfig of the options given (over `--config`'s saved run, if any).

    Example:
        >>> train_config_of(build_parser().parse_args(["train", "reviews/", "--epochs", "1"])).epochs
        1
    """
    given = {f.name: getattr(args, f.name) for f in option_fields(args.config_command)
             if f.name in args}
    base = TrainConfig.load(args.config) if getattr(args, "config", None) else TrainConfig()
    return dataclasses.replace(base, **given).validate()


class _StderrHandler(logging.StreamHandler):
    """Log to whatever `sys.stderr` is when a message is emitted (main() may run many times)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()  # --time-budget counts from here
    args = build_parser().parse_args(argv)
    args.started = started
    log = logging.getLogger("tfsenti")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("tfsenti: %(message)s"))
        log.addHandler(handler)
        log.propagate = False  # a root handler set up by another library would print lines twice
    log.setLevel(logging.WARNING if getattr(args, "quiet", False) else logging.INFO)
    with _interrupts.recording():
        try:
            if args.config_command:
                args.train_config = train_config_of(args)
            else:  # the table options some other commands take are checked the same way
                for name in TABLE_OPTIONS:
                    if name in args:
                        check_option(name, getattr(args, name))
            if args.command == "train":
                commands.check_train_tables(args)
            if args.tensorflow:
                load_tensorflow(show_logs=args.verbose)
            return args.func(args) or 0
        except BrokenPipeError:  # stdout closed early (`tfsenti encoders | head`): not an error
            sys.stdout = open(os.devnull, "w")
            return 0
        except TfsentiError as err:
            message = err.render(flag_of) if isinstance(err, ConfigError) else str(err)
            print(f"tfsenti: error: {message}", file=sys.stderr)
            return err.exit_code
        except OSError as err:  # the machine, not the input: a full disk, a size limit, permissions
            where = f"{err.filename}: " if err.filename else ""
            notes = "".join(f" ({note})" for note in getattr(err, "__notes__", []))
            print(f"tfsenti: error: {where}{err.strerror or err}{notes}", file=sys.stderr)
            return 1
        except BaseException as err:
            if not _interrupts.caused(err):
                raise
            # Ctrl-C (even one TensorFlow's native code turned into another error): one line,
            # the shell's exit code for SIGINT
            notes = getattr(err, "__notes__", [])
            print("; ".join(["tfsenti: interrupted", *notes]), file=sys.stderr)
            return _interrupts.INTERRUPTED
