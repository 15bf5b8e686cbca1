"""`tfsenti` command line: parses arguments, calls the public API, reports errors in one line.

Exit codes: 0 on success, 2 on bad input (a `TfsentiError`, printed as `tfsenti: error: ...`),
1 when `export --check-serving` flags ops.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
from pathlib import Path

from tfsenti.errors import TfsentiError

DEMO_EXAMPLES = [
    "An absolute delight from start to finish, with a cast that clearly loved every scene.",
    "I wanted my two hours back. The plot made no sense and the acting was wooden.",
    "Not perfect, but the soundtrack and the final act won me over.",
    "A lazy, joyless sequel that forgets everything that made the original work.",
]


def _config(args: argparse.Namespace, **command_options):
    """The TrainConfig of the options every training command shares, plus `command_options`
    (those only some commands have, such as `train --val-split` and `--time-budget`)."""
    from tfsenti.config import TrainConfig

    return TrainConfig(
        encoder=args.encoder, preprocess=args.preprocessor, seq_len=args.seq_len,
        truncate=args.truncate, fixed_length=args.fixed_length,
        batch_size=args.batch_size, lr=args.lr, epochs=args.epochs, dropout=args.dropout,
        seed=args.seed, early_stop=args.early_stop,
        text_column=args.text_column, label_column=args.label_column, freeze=args.freeze,
        mode=args.mode, pooling=args.pooling, precision=args.precision,
        class_weight=args.class_weight, strategy=args.strategy,
        embedding_updates=args.embedding_updates, **command_options).validate()


def _print_summary(result) -> None:
    if not result.chief:
        print("\nworker done; the chief worker writes the export")
        return
    print(f"\nexported {result.folder}")
    for split, m in result.metrics.items():
        print(f"{split:>10}: accuracy {m['accuracy']:.4f}  macro-F1 {m['macro']['f1']:.4f}  "
              f"MCC {m['mcc']:.4f}  ({m['examples']} examples)")
        print(" " * 12 + "  ".join(f"{name}: P {c['precision']:.3f} R {c['recall']:.3f} "
                                   f"F1 {c['f1']:.3f} (n={c['support']})"
                                   for name, c in m["per_class"].items()))


def _cmd_train(args: argparse.Namespace) -> None:
    from tfsenti.data import dataset_splits
    from tfsenti.workflow import fine_tune

    config = _config(args, val_split=args.val_split, time_budget=args.time_budget)
    splits = dataset_splits(args.data)
    result = fine_tune(config, splits["train"], val_path=args.val or splits.get("val"),
                       test_path=args.test or splits.get("test"), out=args.out, name=args.name,
                       overwrite=args.overwrite, verbose=0 if args.quiet else 1,
                       resume=args.resume)
    _print_summary(result)


def _cmd_lr_find(args: argparse.Namespace) -> None:
    from tfsenti.data import dataset_splits, load_dataset
    from tfsenti.lr_find import lr_range_test
    from tfsenti.report import LR_FIND, plot_lr_find

    config = _config(args)
    if not 0 < args.start_lr < args.end_lr:
        raise TfsentiError(f"need 0 < --start-lr < --end-lr (got {args.start_lr}, {args.end_lr})")
    if args.steps < 2:
        raise TfsentiError(f"--steps must be at least 2 (got {args.steps})")
    data = load_dataset(dataset_splits(args.data)["train"], args.text_column, args.label_column)
    result = lr_range_test(config, data, args.start_lr, args.end_lr, args.steps,
                           verbose=0 if args.quiet else 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_lr_find(result.lrs, result.losses, result.smoothed, result.suggested_lr, out / LR_FIND)
    (out / "lr_find.json").write_text(json.dumps(result.to_dict(), indent=2))
    print(f"{len(result.lrs)} steps from {result.lrs[0]:.1e} to {result.lrs[-1]:.1e}; lowest "
          f"smoothed loss at {result.min_loss_lr:.1e}; suggested --lr {result.suggested_lr:.1e}")
    print(f"plot: {out / LR_FIND}   values: {out / 'lr_find.json'}")


def _cmd_demo(args: argparse.Namespace) -> None:
    import time

    from tfsenti.config import TrainConfig
    from tfsenti.data import DEMO_DATA
    from tfsenti.export import load
    from tfsenti.workflow import SAVED_MODELS, fine_tune

    start = time.perf_counter()
    config = TrainConfig(epochs=args.epochs, seq_len=64, batch_size=16, lr=5e-5)
    print(f"fine-tuning {config.encoder} on the bundled reviews ({DEMO_DATA})")
    result = fine_tune(config, DEMO_DATA / "train", test_path=DEMO_DATA / "test",
                       out=SAVED_MODELS / "demo", overwrite=True, verbose=0 if args.quiet else 1)
    _print_summary(result)
    print(f"\npredictions of the reloaded SavedModel ({result.folder}):")
    predictions = load(result.folder).predict(DEMO_EXAMPLES)
    for text, label, probs in zip(DEMO_EXAMPLES, predictions.labels, predictions.probabilities):
        print(f"  {label} ({probs.max():.3f})  {text}")
    print(f"\nreport: {result.folder / 'report.md'}   wall time {time.perf_counter() - start:.0f} s")


def _read_texts(args: argparse.Namespace) -> list[str]:
    if args.texts:
        return args.texts
    if args.file:
        try:
            return Path(args.file).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise TfsentiError(f"{args.file}: no such file") from None
        except UnicodeDecodeError as err:
            raise TfsentiError(f"{args.file}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return sys.stdin.read().splitlines()


def _cmd_predict(args: argparse.Namespace) -> None:
    from tfsenti.export import load

    classifier = load(args.model)
    texts = _read_texts(args)
    predictions = classifier.predict(texts, args.batch_size)
    for record in predictions.records(texts, classifier.class_names):
        print(json.dumps(record, ensure_ascii=False))


def _cmd_evaluate(args: argparse.Namespace) -> None:
    from tfsenti.data import load_dataset
    from tfsenti.evaluation import evaluate
    from tfsenti.export import load

    classifier = load(args.model)
    data = load_dataset(args.data, args.text_column, args.label_column, classifier.class_names)
    print(json.dumps(evaluate(classifier, data, args.report, args.batch_size), indent=2))


def _cmd_export(args: argparse.Namespace) -> int:
    from tfsenti.serving import check_serving, export_for_serving

    if not args.serving_dir and not args.check_serving:
        raise TfsentiError("export needs --serving-dir DIR and/or --check-serving")
    status = 0
    if args.check_serving:
        check = check_serving(args.model)
        print(check.report())
        status = 0 if check.ok else 1
    if args.serving_dir:
        target = export_for_serving(args.model, args.serving_dir, args.version, args.name,
                                    args.overwrite)
        print(f"TF Serving version folder: {target}")
    return status


def _cmd_data(args: argparse.Namespace) -> None:
    from tfsenti.data import IMDB_SHA256, IMDB_URL, download_imdb

    quiet = contextlib.redirect_stdout(io.StringIO()) if args.quiet else contextlib.nullcontext()
    with quiet:
        target = download_imdb(args.dest, url=args.url or IMDB_URL, sha256=args.sha256 or IMDB_SHA256)
    print(f"IMDB reviews in {target} (train/ and test/, neg/ and pos/)")


def _cmd_convert(args: argparse.Namespace) -> None:
    from tfsenti.hub.convert import convert_checkpoint

    out = convert_checkpoint(args.hf_dir, args.out_dir)
    print(f"wrote {out / 'preprocess'} and {out / 'encoder'}")


def _cmd_encoders(args: argparse.Namespace) -> None:
    from tfsenti.hub.catalog import CATALOG

    width = max(len(name) for name in CATALOG)
    for spec in CATALOG.values():
        print(f"{spec.name:<{width}}  L={spec.num_layers:<2} H={spec.hidden_size:<4} {spec.note}")
        if args.verbose:
            print(f"{'':<{width}}  encoder:    {spec.encoder}\n{'':<{width}}  preprocess: {spec.preprocess}")


def _seq_len(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of tokens or auto, got {value!r}") from None


def _add_training_options(p: argparse.ArgumentParser) -> None:
    from tfsenti.config import TrainConfig

    d = TrainConfig()
    p.add_argument("--encoder", default=d.encoder, help="catalog name, local folder or URL "
                   f"(default {d.encoder}; `tfsenti encoders` lists names)")
    p.add_argument("--preprocessor", default=None, help="override the encoder's preprocessor")
    p.add_argument("--seq-len", type=_seq_len, default=d.seq_len, metavar="N|auto",
                   help=f"tokens per text, or auto: enough for 95%% of the training texts "
                   f"(default {d.seq_len})")
    p.add_argument("--truncate", default=d.truncate, metavar="head|tail|head+tail",
                   help="which tokens of longer texts to keep: the first, the last, or the first "
                   f"quarter and the last three quarters of the budget (default {d.truncate})")
    p.add_argument("--fixed-length", action="store_true",
                   help="pad every text to --seq-len, as the TF tutorial does (slower; for comparison)")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    p.add_argument("--lr", type=float, default=d.lr, help=f"peak learning rate (default {d.lr})")
    p.add_argument("--dropout", type=float, default=d.dropout, help=f"default {d.dropout}")
    p.add_argument("--seed", type=int, default=d.seed, help=f"default {d.seed}")
    p.add_argument("--early-stop", type=int, default=None, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without validation improvement")
    p.add_argument("--freeze", default=d.freeze, metavar="none|encoder|all-but-pooler|last-N",
                   help="encoder weights left out of training: none (default), the whole "
                   "encoder, all but the pooler, or all but the last N blocks and the pooler")
    p.add_argument("--mode", default=d.mode, help="finetune (default) or features: embed every "
                   "text once with the frozen encoder and fit a logistic-regression head")
    p.add_argument("--pooling", default=d.pooling,
                   help="pooled (the encoder's [CLS] pooler, default) or mean (mean over tokens)")
    p.add_argument("--precision", default=d.precision,
                   help="float32 (default), mixed_float16 (GPU) or mixed_bfloat16 (recent CPUs, TPU)")
    p.add_argument("--class-weight", default=d.class_weight, metavar="balanced",
                   help="balanced: weight the loss by inverse class frequency")
    p.add_argument("--embedding-updates", default=d.embedding_updates, metavar="lazy|dense",
                   help="lazy (default): AdamW updates only the embedding rows a batch looks up; "
                   "dense: every row every step (tf_keras AdamW)")
    p.add_argument("--strategy", default=d.strategy, help="default, mirrored (all local GPUs), "
                   "multiworker (TF_CONFIG) or tpu (TPU_NAME)")


def _add_column_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", default=None, help="text column of a CSV/TSV/JSONL file")
    p.add_argument("--label-column", default=None, help="label column of a CSV/TSV/JSONL file")


def build_parser() -> argparse.ArgumentParser:
    from tfsenti.config import TrainConfig

    parser = argparse.ArgumentParser(prog="tfsenti", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="fine-tune on a folder or table; export a raw-string SavedModel")
    p.add_argument("data", help="folder of class subfolders (or with train/ and test/), or "
                   ".csv/.tsv/.jsonl")
    val = p.add_mutually_exclusive_group()
    val.add_argument("--val", default=None, help="validation data")
    val.add_argument("--val-split", type=float, default=TrainConfig.val_split,
                     help="validation fraction when no validation data is given "
                     f"(default {TrainConfig.val_split})")
    p.add_argument("--test", default=None, help="test data, evaluated after training")
    p.add_argument("--time-budget", type=float, default=None, metavar="MINUTES",
                   help="finish training within MINUTES: after the first steps the learning-rate "
                   "schedule is re-planned to end at the last step that fits (evaluation and "
                   "export come after)")
    _add_column_options(p)
    _add_training_options(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--out", default=None, help="output folder")
    out.add_argument("--name", default=None,
                     help="saved_models/NAME (default <data>_<YYYYMMDD>_acc<NN>)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from OUT.partial (its last epoch checkpoint)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("lr-find", help="learning-rate range test: loss vs learning rate plot "
                       "and a suggested --lr")
    p.add_argument("data", help="training data, as for train")
    _add_column_options(p)
    _add_training_options(p)
    p.add_argument("--start-lr", type=float, default=1e-7, help="first rate (default 1e-7)")
    p.add_argument("--end-lr", type=float, default=1e-2, help="last rate (default 1e-2)")
    p.add_argument("--steps", type=int, default=100, help="batches at most (default 100)")
    p.add_argument("--out", default="lr_find", help="folder for lr_find.png and lr_find.json "
                   "(default ./lr_find)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_lr_find)

    p = sub.add_parser("predict", help="JSON lines of predictions from an exported model")
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("texts", nargs="*", help="texts (default: --file, else one per line on stdin)")
    p.add_argument("--file", default=None, help="file with one text per line")
    p.add_argument("--batch-size", type=int, default=64)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("evaluate", help="metrics (JSON) of an exported model on labelled data")
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("data", help="folder of class subfolders, or .csv/.tsv/.jsonl")
    _add_column_options(p)
    p.add_argument("--report", default=None, help="also write metrics.json, plot and report.md here")
    p.add_argument("--batch-size", type=int, default=64)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("export", help="copy a model into TF Serving's NAME/VERSION layout; check "
                       "its ops against TF Serving")
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("--serving-dir", default=None, help="TF Serving model base folder: the model "
                   "goes to DIR/NAME/VERSION/")
    p.add_argument("--name", default=None, help="model name (default: the model folder's name)")
    p.add_argument("--version", type=int, default=None,
                   help="version number (default: one more than the highest in DIR/NAME)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing version")
    p.add_argument("--check-serving", action="store_true",
                   help="list the graph's op types and flag any TF Serving < 2.20 lacks (exit 1)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("data", help="download a public data set")
    p.add_argument("dataset", choices=["imdb"])
    p.add_argument("--dest", default="data", help="destination folder (default ./data)")
    p.add_argument("--url", default=None, help="mirror of aclImdb_v1.tar.gz")
    p.add_argument("--sha256", default=None, help="expected SHA-256 of the archive at --url")
    p.add_argument("--quiet", action="store_true", help="no download progress")
    p.set_defaults(func=_cmd_data)

    p = sub.add_parser("demo", help="fine-tune the default encoder on the bundled reviews")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("convert", help="Hugging Face BERT checkpoint -> TF-Hub preprocess + encoder")
    p.add_argument("hf_dir", help="folder with config.json, model.safetensors, vocab.txt")
    p.add_argument("out_dir", help="output folder (must not exist)")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser("encoders", help="list the encoder names --encoder accepts")
    p.add_argument("-v", "--verbose", action="store_true", help="also print the handles")
    p.set_defaults(func=_cmd_encoders)
    return parser


class _StderrHandler(logging.StreamHandler):
    """Log to whatever `sys.stderr` is when a message is emitted (main() may run many times)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    log = logging.getLogger("tfsenti")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("tfsenti: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.WARNING if getattr(args, "quiet", False) else logging.INFO)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # tf_keras save/load chatter that users cannot act on
    try:
        return args.func(args) or 0
    except TfsentiError as err:
        print(f"tfsenti: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
