"""`fine_tune`: the whole `tfsenti train` job, top to bottom.

load and check all data -> resolve `--precision auto`, then the encoder (once) -> train into
`OUT.partial/` (a 16-bit run's model comes back rebuilt in float32) -> the logits of validation
and test texts -> the temperature that calibrates them, fitted on validation (and a multi-label
model's thresholds, tuned on the calibrated validation probabilities) -> evaluate ->
plots, report, config/history/metrics JSON -> save the SavedModel -> rename to `OUT`. Bad input
fails before anything is written; a failure later removes the partial folder. A killed run leaves `OUT.partial/` with its last end-of-epoch
checkpoint (never `OUT`), which `resume=True` (`tfsenti train --resume`) continues. On several
workers only the chief writes `OUT`; the others stage theirs in a temporary folder that is removed.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras

from tfsenti._staging import StagedFolder
from tfsenti.config import TrainConfig
from tfsenti.data.loaders import data_name
from tfsenti.data.overlap import guard_splits
from tfsenti.data.texts import LabeledTexts
from tfsenti.encoders.catalog import EncoderHandles, check_encoder, resolve_encoder
from tfsenti.evaluation.binary import threshold_for
from tfsenti.evaluation.calibration import fit_temperature
from tfsenti.evaluation.evaluate import score
from tfsenti.evaluation.explain import Explainer
from tfsenti.evaluation.explain_views import markdown_line
from tfsenti.evaluation.multilabel import tune_thresholds
from tfsenti.evaluation.plots import CURVES, plot_evaluation, plot_training_curves
from tfsenti.evaluation.predictions_table import PREDICTIONS, write_predictions
from tfsenti.evaluation.report import write_report
from tfsenti.inference.model_folder import write_saved_model
from tfsenti.inference.predictor import Classifier
from tfsenti.inference.signature import class_probabilities
from tfsenti.training.distribute import get_strategy, is_chief
from tfsenti.training.loop import train
from tfsenti.training.splits import load_splits
from tfsenti.training.resume_record import run_precision

log = logging.getLogger(__name__)
SAVED_MODELS = Path("saved_models")
WORK = "work"  # inside OUT.partial: the resume checkpoint and epoch record, removed at the end
AUTOS = ("seq_len", "lr", "pooling")  # options a run resolves; config.json records the choice
REPORT_EXPLAINED = 5  # of the most confident mistakes, whose words report.md attributes
PACKAGES = ("tfsenti", "tensorflow", "tensorflow-text", "tensorflow-hub", "tf-keras")


@dataclasses.dataclass
class FineTuneResult:
    folder: Path  # the export (on a non-chief worker: a removed temporary folder)
    metrics: dict  # {"validation": ..., "test": ...} (test only when test data was given)
    history: dict
    chief: bool = True  # False on multi-worker workers that do not write the export


def free_name(parent: Path, stem: str) -> Path:
    """parent/stem, or parent/stem_2, _3, ... if taken (default names never overwrite)."""
    candidate, n = parent / stem, 2
    while candidate.exists():
        candidate, n = parent / f"{stem}_{n}", n + 1
    return candidate


def output_folder(train_path: str | Path, out: str | Path | None, name: str | None
                  ) -> tuple[Path, str]:
    """(the run's output folder, the stem of its default name): `out`, `saved_models/NAME`, or
    `saved_models/<data>_<date>`, renamed with its accuracy at the end."""
    stem = f"{data_name(train_path)}_{datetime.date.today():%Y%m%d}"
    return (Path(out) if out is not None else SAVED_MODELS / name if name is not None
            else free_name(SAVED_MODELS, stem)), stem


def fine_tune(config: TrainConfig, train_path: str | Path, val_path: str | Path | None = None,
              test_path: str | Path | None = None, out: str | Path | None = None,
              name: str | None = None, overwrite: bool = False, verbose: int = 1,
              resume: bool = False, splits: dict[str, LabeledTexts] | None = None,
              started: float | None = None) -> FineTuneResult:
    """Fine-tune on a folder or table and export a raw-string SavedModel with metrics and plots.

    Args:
        config: the run's settings.
        train_path: training data (folder of class subfolders, or .csv/.tsv/.jsonl).
        val_path: validation data; default: a stratified share of the training data.
        test_path: optional test data, evaluated with the exported function after training.
        out, name, overwrite: the output folder, or `saved_models/NAME` (replaced if `overwrite`);
            NAME defaults to `<data name>_<YYYYMMDD>_acc<NN>` (test accuracy, else validation's).
        verbose: progress output (0 silent, 1 progress bars).
        resume: continue the interrupted run whose `OUT.partial/` is there (else start afresh).
        splits, started: the paths' data, if read already (`load_splits`); `time.monotonic()`
            when the command began, which `--time-budget` counts from (default: this call).

    Example:
        >>> from tfsenti import DEMO_DATA
        >>> quick = TrainConfig(epochs=1, seq_len=32, small_data="off")  # fine-tune: no plan
        >>> result = fine_tune(quick, DEMO_DATA / "train", verbose=0, test_path=DEMO_DATA / "test",
        ...                    out="saved_models/quick", overwrite=True)
        >>> result.folder, sorted(result.metrics), result.metrics["test"]["examples"]
        (PosixPath('saved_models/quick'), ['test', 'validation'], 200)
    """
    strategy = get_strategy(config.validate().strategy)  # first: multi-worker set-up, then TF
    final, stem = output_folder(train_path, out, name)
    default_name, chief = out is None and name is None, is_chief(strategy)
    if not chief:  # trains in step with the chief; its outputs are thrown away
        final, default_name = Path(tempfile.mkdtemp(prefix="tfsenti-worker-")) / "model", False
    stage = StagedFolder(final, overwrite or not chief, resumable=True, resume=resume)
    stage.refuse_taken()  # a taken name or a misspelt encoder fails before the data are read
    check_encoder(config.encoder)
    splits, overlap = guard_splits(splits or load_splits(config, train_path, val_path, test_path),
                                   config.dedupe)
    config = run_precision(config, stage.path / WORK if resume else None)
    encoder = resolve_encoder(config.encoder, config.preprocess, config.precision)
    with stage:
        model, history = train(config, splits["train"], splits["validation"], verbose=verbose,
                               log_dir=stage.path / "logs", work_dir=stage.path / WORK,
                               encoder=encoder, started=started)
        shutil.rmtree(stage.path / WORK, ignore_errors=True)
        config = dataclasses.replace(config, **{k: history[k] for k in AUTOS})
        classifier, probabilities = predict_splits(model, splits, config, verbose > 0)
        metrics = write_results(stage.path, final.name, classifier, splits, probabilities,
                                overlap, history, Explainer.for_report(model, classifier,
                                                                       encoder.encoder))
        info = run_info(config, encoder, splits, {"train": train_path, "val": val_path,
                                                  "test": test_path}, history, model, strategy)
        write_saved_model(model, classifier.serve, classifier.class_names, stage.path, info,
                          classifier.thresholds, classifier.temperature,
                          classifier.decision_threshold)
        if default_name:
            shown = metrics.get("test", metrics["validation"])
            stage.final = free_name(SAVED_MODELS, f"{stem}_acc{round(100 * shown['accuracy']):02d}")
    if not chief:
        shutil.rmtree(stage.final.parent, ignore_errors=True)
    return FineTuneResult(stage.final, metrics, history, chief)


def predict_splits(model, splits: dict[str, LabeledTexts], config: TrainConfig, progress: bool
                   ) -> tuple[Classifier, dict[str, dict[str, np.ndarray]]]:
    """(the classifier to export, its probabilities on validation and test data: `served` and,
    when calibrated, `uncalibrated`) for a trained model. The model reads each text once, for
    its logits; with `config.calibrate` "temperature" the temperature is fitted on the
    validation logits; a multi-label model's thresholds, and a binary model's decision threshold
    (`config.threshold_for`), are chosen on the served validation probabilities. The served
    probabilities are computed from the logits by the very function the export runs
    (`class_probabilities`)."""
    names, multilabel = splits["train"].class_names, splits["train"].multilabel
    scorer = Classifier.from_model(model, names, [0.5] * len(names) if multilabel else None,
                                   with_logits=True)
    logits = {split: scorer.predict(data.texts, progress=progress, pairs=data.pairs).logits
              for split, data in splits.items() if split != "train"}
    temperature = (fit_temperature(logits["validation"], splits["validation"].labels, multilabel)
                   if config.calibrate == "temperature" else None)
    versions = {"served": temperature, "uncalibrated": 1.0} if temperature is not None else {
        "served": None}
    probabilities = {split: {version: class_probabilities(z, len(names), multilabel, t).numpy()
                             for version, t in versions.items()} for split, z in logits.items()}
    validation = splits["validation"].labels, probabilities["validation"]["served"]
    thresholds = tune_thresholds(*validation).tolist() if multilabel else None
    cut = None
    if config.threshold_for is not None:
        choice = threshold_for(validation[0], validation[1][:, 1], config.threshold_for)
        (log.info if choice["reached"] else log.warning)(
            "--threshold-for %s: %s at or above %.4f of %s on validation gives precision %.4f, "
            "recall %.4f%s", choice["target"], names[1], choice["threshold"], names[1],
            choice["precision"], choice["recall"],
            "" if choice["reached"] else " (no threshold reaches the target: the closest)")
        cut = choice["threshold"]
    return Classifier.from_model(model, names, thresholds, temperature, cut), probabilities


def write_results(folder: Path, title: str, classifier: Classifier, splits: dict[str, LabeledTexts],
                  probabilities: dict[str, dict[str, np.ndarray]],
                  overlap: dict[str, dict[str, int]], history: dict,
                  explainer: Explainer | None = None) -> dict:
    """Score the validation and test `probabilities` (from `predict_splits`); write
    `metrics.json` (with each split's calibration and `overlap` with training), `history.json`,
    the plots and `report.md` (on test data if given; with the `explainer`'s words behind the
    five most confident mistakes) into `folder`."""
    metrics, mistakes = {}, {}
    for split, served in probabilities.items():
        data = splits[split]
        metrics[split], mistakes[split] = score(data, served["served"], classifier,
                                                served.get("uncalibrated"))
        metrics[split]["overlap_with_train"] = overlap[split]
    shown = "test" if "test" in splits else "validation"
    data = splits[shown]
    if explainer is not None:
        worst = mistakes[shown][:REPORT_EXPLAINED]
        for mistake, why in zip(worst, explainer.explain([m["text"] for m in worst])):
            mistake["why"] = markdown_line(why)
    curves = "contrastive" not in history  # the small-data plan has no epochs to plot
    if curves:
        plot_training_curves(history, folder / CURVES)
    plot_evaluation(folder, metrics[shown], data.labels, probabilities[shown]["served"],
                    probabilities[shown].get("uncalibrated"), f"{shown} data, {data.name}")
    write_predictions(folder / PREDICTIONS, {split: (splits[split], served["served"])
                                             for split, served in probabilities.items()},
                      classifier.thresholds, classifier.decision_threshold)
    write_report(folder, f"tfsenti model: {title}", metrics[shown], mistakes[shown],
                 f"{shown} data ({data.name}, {len(data)} examples)", has_curves=curves,
                 plan=history.get("plan"))
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (folder / "history.json").write_text(json.dumps(history, indent=2))
    return metrics


def run_info(config: TrainConfig, encoder: EncoderHandles, splits: dict[str, LabeledTexts],
             paths: dict[str, str | Path | None], history: dict, model: keras.Model,
             strategy: tf.distribute.Strategy) -> dict:
    """What `config.json` records to explain and re-run a training run: every option, the
    encoder handles, the data (absolute paths), the versions of the libraries, the `model`'s
    parameters, the replicas of `strategy`, and from the training `history` the trainable
    parameters, optimizer steps and the seconds from the command's start to the end of
    training."""
    return {"train_config": dataclasses.asdict(config),
            "encoder": {"name": config.encoder, "encoder_handle": encoder.encoder,
                        "preprocess_handle": encoder.preprocess},
            "data": {**{k: str(Path(p).absolute()) if p is not None else None
                        for k, p in paths.items()},
                     "train_examples": len(splits["train"]),
                     "val_examples": len(splits["validation"])},
            "versions": {p: importlib.metadata.version(p) for p in PACKAGES},
            "trainable_params": history["trainable_params"], "steps": history["steps"],
            "train_seconds": history["train_seconds"], "total_params": model.count_params(),
            "replicas": strategy.num_replicas_in_sync}
