"""`fine_tune`: the whole `tfsenti train` job, top to bottom.

load and check all data -> resolve the encoder -> train into `OUT.partial/` -> evaluate with the
exact serving function -> plots, report, config/history/metrics JSON -> save the SavedModel ->
rename to `OUT`. Bad input fails before anything is written; a failure later removes the partial
folder. A killed run leaves `OUT.partial/` with its last end-of-epoch checkpoint (never
`OUT`), which `resume=True` (`tfsenti train --resume`) continues. On several workers only the
chief writes `OUT`; the others stage theirs in a temporary folder that is removed.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import shutil
import tempfile
from pathlib import Path

from tfsenti.config import TrainConfig
from tfsenti.data import data_name, load_dataset
from tfsenti.distribute import get_strategy, is_chief
from tfsenti.errors import ConfigError
from tfsenti.evaluation import compute_metrics, confident_mistakes
from tfsenti.export import Classifier, StagedFolder, save_serving_model
from tfsenti.hub.catalog import resolve_encoder
from tfsenti.report import CONFUSION, CURVES, plot_confusion_matrix, plot_training_curves, write_report
from tfsenti.training import train

SAVED_MODELS = Path("saved_models")
WORK = "work"  # inside OUT.partial: the resume checkpoint and epoch record, removed at the end


@dataclasses.dataclass
class FineTuneResult:
    folder: Path  # the export (on a non-chief worker: a removed temporary folder)
    metrics: dict  # {"validation": ..., "test": ...} (test only when test data was given)
    history: dict
    chief: bool = True  # False on multi-worker workers that do not write the export


def _free_name(parent: Path, stem: str) -> Path:
    """parent/stem, or parent/stem_2, _3, ... if taken (default names never overwrite)."""
    candidate, n = parent / stem, 2
    while candidate.exists():
        candidate, n = parent / f"{stem}_{n}", n + 1
    return candidate


def fine_tune(config: TrainConfig, train_path: str | Path, val_path: str | Path | None = None,
              test_path: str | Path | None = None, out: str | Path | None = None,
              name: str | None = None, overwrite: bool = False, verbose: int = 1,
              resume: bool = False) -> FineTuneResult:
    """Fine-tune on a folder or table and export a raw-string SavedModel with metrics and plots.

    Args:
        config: the run's settings.
        train_path: training data (folder of class subfolders, or .csv/.tsv/.jsonl).
        val_path: validation data; default: a stratified `config.val_split` of the training data.
        test_path: optional test data, evaluated with the exported function after training.
        out: output folder; default `saved_models/NAME`.
        name: NAME; default `<data name>_<YYYYMMDD>_acc<NN>` (test accuracy, else validation).
        overwrite: replace an existing `out`/`name` folder.
        verbose: Keras progress output (0 silent, 1 progress bar).
        resume: continue the interrupted run whose `OUT.partial/` is there (else start afresh).

    Example:
        >>> from tfsenti import DEMO_DATA
        >>> result = fine_tune(TrainConfig(epochs=1, seq_len=32), DEMO_DATA / "train",
        ...                    test_path=DEMO_DATA / "test", out="saved_models/quick",
        ...                    overwrite=True, verbose=0)
        >>> result.folder, sorted(result.metrics), result.metrics["test"]["examples"]
        (PosixPath('saved_models/quick'), ['test', 'validation'], 200)
    """
    config.validate()
    strategy = get_strategy(config.strategy)  # first: multi-worker set-up precedes any TF op
    train_data = load_dataset(train_path, config.text_column, config.label_column)
    classes = train_data.class_names
    if val_path is not None:
        val_data = load_dataset(val_path, config.text_column, config.label_column, classes)
    else:
        train_data, val_data = train_data.split(config.val_split, config.seed)
    test_data = (load_dataset(test_path, config.text_column, config.label_column, classes)
                 if test_path is not None else None)
    encoder_handle, preprocess_handle = resolve_encoder(config.encoder, config.preprocess,
                                                        config.precision)

    default_name = out is None and name is None
    stem = f"{data_name(train_path)}_{datetime.date.today():%Y%m%d}"
    final = Path(out) if out is not None else SAVED_MODELS / (name or stem)
    if final.exists() and not overwrite and not default_name:
        raise ConfigError(f"{final}: already exists; pass --overwrite to replace it")
    chief = is_chief(strategy)
    if not chief:  # trains in step with the chief; its outputs are thrown away
        final, default_name = Path(tempfile.mkdtemp(prefix="tfsenti-worker-")) / "model", False

    with StagedFolder(final, overwrite or not chief, resume=resume) as stage:
        model, history = train(config, train_data, val_data, log_dir=stage.path / "logs",
                               verbose=verbose, work_dir=stage.path / WORK)
        shutil.rmtree(stage.path / WORK, ignore_errors=True)
        config = dataclasses.replace(config, seq_len=history["seq_len"])  # `auto` -> the length used
        classifier = Classifier.from_model(model, classes)
        metrics, predictions = {}, {}
        for split, data in (("validation", val_data), ("test", test_data)):
            if data is not None:
                predictions[split] = classifier.predict(data.texts).probabilities
                metrics[split] = compute_metrics(data.labels, predictions[split], classes)
        shown_split = "test" if test_data is not None else "validation"
        reported, shown = (test_data or val_data), metrics[shown_split]
        mistakes = confident_mistakes(reported.texts, reported.labels, predictions[shown_split], classes)

        plot_training_curves(history, stage.path / CURVES)
        plot_confusion_matrix(shown["confusion_matrix"], classes, stage.path / CONFUSION,
                              f"Confusion matrix ({reported.name})")
        write_report(stage.path, f"tfsenti model: {final.name}", shown, mistakes,
                     f"{shown_split} data ({reported.name}, {len(reported)} examples)", has_curves=True)
        (stage.path / "metrics.json").write_text(json.dumps(metrics, indent=2))
        (stage.path / "history.json").write_text(json.dumps(history, indent=2))
        save_serving_model(model, classifier.serve, classes, stage.path, {
            "train_config": dataclasses.asdict(config),
            "encoder": {"name": config.encoder, "encoder_handle": encoder_handle,
                        "preprocess_handle": preprocess_handle},
            "data": {"train": str(train_path), "val": str(val_path) if val_path else None,
                     "test": str(test_path) if test_path else None,
                     "train_examples": len(train_data), "val_examples": len(val_data)},
            "trainable_params": history["trainable_params"], "total_params": model.count_params(),
            "replicas": strategy.num_replicas_in_sync, "steps": history["steps"],
            "tfsenti_version": importlib.metadata.version("tfsenti")})
        if default_name:
            stage.final = _free_name(SAVED_MODELS, f"{stem}_acc{round(100 * shown['accuracy']):02d}")
    if not chief:
        shutil.rmtree(stage.final.parent, ignore_errors=True)
    return FineTuneResult(stage.final, metrics, history, chief)

