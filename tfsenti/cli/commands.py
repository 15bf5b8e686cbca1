"""What each `tfsenti` command does with its parsed arguments: call the public API, print the
results. Heavy modules are imported inside each command, after the CLI has checked the options
and loaded TensorFlow quietly (`tfsenti.cli`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tfsenti._staging import StagedFolder, whole_file
from tfsenti.config import TrainConfig, read_saved_run
from tfsenti.errors import TfsentiError
from tfsenti.cli.predict import checked_inputs, load_classifier, read_texts, writable_file

def print_summary(result) -> None:
    from tfsenti.evaluation.metrics import interval_note

    if not result.chief:
        print("\nworker done; the chief worker writes the export")
        return
    print(f"\nexported {result.folder}")
    for split, m in result.metrics.items():
        interval = interval_note(m, always=True)
        if m.get("task") == "multilabel":
            print(f"{split:>10}: subset accuracy {m['accuracy']:.4f}{interval}  micro-F1 "
                  f"{m['micro']['f1']:.4f}  macro-F1 {m['macro']['f1']:.4f}  Hamming loss "
                  f"{m['hamming_loss']:.4f}  ({m['examples']} examples)")
        else:
            print(f"{split:>10}: accuracy {m['accuracy']:.4f}{interval}  "
                  f"macro-F1 {m['macro']['f1']:.4f}  "
                  f"MCC {m['mcc']:.4f}  ({m['examples']} examples)")
        print(" " * 12 + "  ".join(f"{name}: P {c['precision']:.3f} R {c['recall']:.3f} "
                                   f"F1 {c['f1']:.3f} (n={c['support']})"
                                   for name, c in m["per_class"].items()))
        if "calibration" in m:
            print(" " * 12 + calibration_line(m["calibration"]))


def calibration_line(calibration: dict) -> str:
    """`calibration: ECE 0.0500 -> 0.0120, Brier 0.1500 -> 0.1400 (temperature 1.50)`, or the
    served figures alone for a model that is not calibrated."""
    def change(key: str) -> str:
        before = calibration.get(f"{key}_before")
        return (f"{before:.4f} -> " if before is not None else "") + f"{calibration[key]:.4f}"

    from tfsenti.evaluation.report import temperature_text

    return (f"calibration: ECE {change('ece')}, Brier {change('brier')} "
            f"({temperature_text(calibration.get('temperature'))})")


def keras_verbosity(quiet: bool) -> int:
    """Keras's `verbose` for a command: 0 with `--quiet`; its redrawn progress bar when stdout
    (where Keras writes) is a terminal; else one line per epoch, as the bar's backspaces and
    carriage returns would fill a log file."""
    return 0 if quiet else 1 if sys.stdout.isatty() else 2


def train_data(args: argparse.Namespace) -> tuple[str, str | None, str | None]:
    """(data, validation data, test data) of `tfsenti train`: the arguments, else the saved
    run's (`--config`)."""
    if args.val is not None and "val_split" in args:
        raise TfsentiError("--val and --val-split exclude each other: give one")
    saved = read_saved_run(args.config)["data"] if args.config else {}
    data = args.data or saved.get("train")
    if data is None:
        raise TfsentiError("train needs DATA (or --config MODEL/config.json)")
    val = args.val or (None if "val_split" in args else saved.get("val"))
    return data, val, args.test or saved.get("test")


def train_paths(args: argparse.Namespace) -> tuple[Path, Path | None, Path | None]:
    """(training, validation, test data) of `tfsenti train`: the arguments, the saved run's, or
    the split folders of an aclImdb-style root."""
    from tfsenti.data.loaders import dataset_splits

    data, val, test = train_data(args)
    splits = dataset_splits(data)
    return splits["train"], val or splits.get("val"), test or splits.get("test")


def check_train_tables(args: argparse.Namespace) -> None:
    """Before TensorFlow loads: read and check a training run's data when it is all tables, so
    a bad table is refused in about a second, and the run then trains on what was read
    (`args.splits`); check the folders' layout and class sizes otherwise (tf_keras reads them)."""
    from tfsenti.data.tables import table_kind
    from tfsenti.training.splits import check_folders, load_splits

    paths = train_paths(args)
    if all(table_kind(path) for path in paths if path is not None):
        args.splits = load_splits(args.train_config, *paths)
    else:
        check_folders(args.train_config, *paths)


def run_train(args: argparse.Namespace) -> None:
    from tfsenti.workflow import fine_tune

    train, val, test = train_paths(args)
    result = fine_tune(args.train_config, train, val, test, out=args.out, name=args.name,
                       overwrite=args.overwrite, verbose=keras_verbosity(args.quiet),
                       resume=args.resume, splits=getattr(args, "splits", None),
                       started=args.started)
    print_summary(result)


def run_lr_find(args: argparse.Namespace) -> None:
    from tfsenti.data.loaders import dataset_splits, load_dataset
    from tfsenti.evaluation.plots import LR_FIND, plot_lr_find
    from tfsenti.training.lr_find import lr_range_test

    config = args.train_config
    if not 0 < args.start_lr < args.end_lr:
        raise TfsentiError(f"need 0 < --start-lr < --end-lr (got {args.start_lr}, {args.end_lr})")
    if args.steps < 2:
        raise TfsentiError(f"--steps must be at least 2 (got {args.steps})")
    data = load_dataset(dataset_splits(args.data)["train"], config.text_column, config.label_column,
                        delimiter=config.delimiter, pair_column=config.pair_column,
                        label_separator=config.label_separator, encoding=config.encoding,
                        label_names=config.label_names())
    result = lr_range_test(config, data, args.start_lr, args.end_lr, args.steps,
                           verbose=keras_verbosity(args.quiet))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_lr_find(result.lrs, result.losses, result.smoothed, result.suggested_lr, out / LR_FIND)
    (out / "lr_find.json").write_text(json.dumps(result.to_dict(), indent=2))
    print(f"{len(result.lrs)} steps from {result.lrs[0]:.1e} to {result.lrs[-1]:.1e}; lowest "
          f"smoothed loss at {result.min_loss_lr:.1e}; suggested --lr {result.suggested_lr:.1e}")
    print(f"plot: {out / LR_FIND}   values: {out / 'lr_find.json'}")


def run_demo(args: argparse.Namespace) -> None:
    from tfsenti.demo import DEMO_DATA, DEMO_EXAMPLES
    from tfsenti.inference.predictor import load
    from tfsenti.workflow import SAVED_MODELS, fine_tune

    start = time.perf_counter()
    if (SAVED_MODELS / "demo").exists():
        print(f"replacing {SAVED_MODELS / 'demo'}, the model of an earlier demo run")
    config = TrainConfig(epochs=args.epochs, seq_len=64, batch_size=16, lr=5e-5)
    print(f"fine-tuning {config.encoder} on the bundled reviews ({DEMO_DATA})")
    result = fine_tune(config, DEMO_DATA / "train", test_path=DEMO_DATA / "test",
                       out=SAVED_MODELS / "demo", overwrite=True,
                       verbose=keras_verbosity(args.quiet))
    print_summary(result)
    print(f"\npredictions of the reloaded SavedModel ({result.folder}):")
    predictions = load(result.folder).predict(DEMO_EXAMPLES)
    for text, label, probs in zip(DEMO_EXAMPLES, predictions.labels, predictions.probabilities):
        print(f"  {label} ({probs.max():.3f})  {text}")
    print(f"\nreport: {result.folder / 'report.md'}   wall time {time.perf_counter() - start:.0f} s")


def run_explain(args: argparse.Namespace) -> None:
    from tfsenti.evaluation.explain import Explainer
    from tfsenti.evaluation.explain_views import html_page, terminal_line

    if args.steps < 1:
        raise TfsentiError(f"--steps must be at least 1 (got {args.steps})")
    texts, _ = checked_inputs(*read_texts(args), args.skip_empty)  # bad input before the model
    explanations = Explainer.from_folder(args.model, steps=args.steps).explain(texts)
    if args.html is not None:
        if not Path(args.html).parent.is_dir():
            raise TfsentiError(f"{args.html}: no such folder to write the page in")
        with whole_file(Path(args.html)) as f:
            f.write(html_page(explanations).encode("utf-8"))
    colour = sys.stdout.isatty() and not args.json
    for explanation in explanations:
        print(json.dumps(explanation.record(), ensure_ascii=False) if args.json
              else terminal_line(explanation, colour))


def run_evaluate(args: argparse.Namespace) -> None:
    from tfsenti.data.loaders import load_dataset
    from tfsenti.evaluation.evaluate import evaluate

    if args.report is not None:  # a taken report folder fails before the model and data load
        StagedFolder(Path(args.report), overwrite=args.overwrite).refuse_taken()
    classifier = load_classifier(args.model)
    pair_column = getattr(args, "pair_column", None)
    if classifier.takes_pairs != (pair_column is not None):
        raise TfsentiError(f"{args.model} takes text pairs: name the second text's column with "
                           "--pair-column" if classifier.takes_pairs else
                           f"{args.model} takes single texts: drop --pair-column")
    data = load_dataset(args.data, getattr(args, "text_column", None),
                        getattr(args, "label_column", None), classifier.class_names,
                        getattr(args, "delimiter", None), pair_column,
                        getattr(args, "label_separator", None), classifier.multilabel,
                        getattr(args, "encoding", None), table_label_names(args))
    metrics = evaluate(classifier, data, args.report, args.batch_size, progress=not args.quiet,
                       overwrite=args.overwrite)
    print(json.dumps(metrics, indent=2))


def run_audit(args: argparse.Namespace) -> None:
    from tfsenti.data.loaders import dataset_splits
    from tfsenti.evaluation.audit import audit, write_label_issues

    out = writable_file(args.out, args.overwrite, "the table")
    result = audit(args.train_config, dataset_splits(args.data)["train"], args.folds,
                   verbose=keras_verbosity(args.quiet))
    write_label_issues(result, out)
    found, total = len(result.issues), len(result.data)
    print(f"\naudited {total} texts in {args.folds} folds ({result.seconds:.0f} s); the "
          f"out-of-fold models agree with {result.accuracy:.1%} of the labels")
    print(f"{found} text{'s' * (found != 1)} ({found / total:.1%}) look mislabelled"
          + (", most doubtful first:" if found else ""))
    for row in result.rows()[:5]:
        print(f"  {row['source']:<14} {row['given']} -> {row['suggested']} "
              f"({row['confidence']})  {row['text'][:70]}")
    print(f"all of them: {out}")


def table_label_names(args: argparse.Namespace) -> dict[str, str] | None:
    """The names of a table's labels for `--model`: `--class-names`, else those the model was
    trained with (its config.json), else None."""
    from tfsenti.option_checks import label_names

    given = getattr(args, "class_names", None)
    if given is None and Path(args.model).is_dir() and (Path(args.model) / "config.json").exists():
        given = read_saved_run(args.model)["train_config"].get("class_names")
    return None if given is None else label_names(given)


def run_data(args: argparse.Namespace) -> None:
    from tfsenti.data.download import download_imdb

    target = download_imdb(args.dest, url=args.url, sha256=args.sha256, progress=not args.quiet)
    print(f"IMDB reviews in {target} (train/ and test/, neg/ and pos/)")


def run_convert(args: argparse.Namespace) -> None:
    from tfsenti.encoders.convert import convert_checkpoint

    out = convert_checkpoint(args.hf_dir, args.out_dir, args.precision, args.attention_dropout)
    print(f"wrote {out / 'preprocess'} and {out / 'encoder'}")


def run_encoders(args: argparse.Namespace) -> None:
    from tfsenti.encoders.catalog import CATALOG

    width = max(len(name) for name in CATALOG)
    for spec in CATALOG.values():
        print(f"{spec.name:<{width}}  L={spec.num_layers:<2} H={spec.hidden_size:<4} {spec.note}")
        if args.verbose:
            print(f"{'':<{width}}  encoder:    {spec.encoder}\n{'':<{width}}  preprocess: {spec.preprocess}")
