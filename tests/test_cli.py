"""The command line: instant and quiet where no model runs, one stderr line per error, options
generated from the TrainConfig declarations."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import types

import numpy as np
import pytest

from run_cli import tfsenti
from tfsenti.cli import build_parser, main
from tfsenti.cli.commands import print_summary
from tfsenti.config import TrainConfig, flag_of, option_fields
from tfsenti.evaluation.metrics import compute_metrics


def _modules_after(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter, then print whether TensorFlow got imported."""
    script = f"import sys\n{code}\nprint('tensorflow' in sys.modules, file=sys.stderr)"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)


@pytest.mark.parametrize("argv, code", [
    (["--help"], 0), (["train", "--help"], 0), (["encoders"], 0),
    (["train", "reviews", "--batch-size", "0"], 2),
    (["train", "reviews", "--truncate", "middle"], 2),
    (["train", "reviews", "--epochs", "three"], 2),
])
def test_help_listing_and_argument_errors_load_no_tensorflow(argv, code):
    result = _modules_after(f"from tfsenti.cli import main\ntry:\n    status = main({argv!r})\n"
                            f"except SystemExit as exit:\n    status = exit.code\n"
                            f"assert status == {code}, status")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "False"


def test_bad_training_tables_and_folders_are_refused_before_tensorflow_loads(tmp_path):
    (tmp_path / "empty.csv").write_text("text,label\n")
    (tmp_path / "one.csv").write_text("text,label\n" + "fine,pos\n" * 20)
    for folder, files in (("few", {"pos": 10, "neg": 3}), ("notes", {"pos": 9, "neg": 9, "x": 0})):
        for label, count in files.items():
            (tmp_path / folder / label).mkdir(parents=True)
            for i in range(count):
                (tmp_path / folder / label / f"{i}.txt").write_text(f"a {label} review, take {i}")
    (tmp_path / "notes" / "x" / "notes.md").write_text("not a review")
    for table, message in (("empty.csv", "empty.csv: no data rows"),
                           ("one.csv", "one.csv: column 'label' has 1 distinct label ('pos')"),
                           ("few", "few: class 'neg' has 3 examples; every class needs at least 8"),
                           ("notes", "notes/x: class folder has no .txt files")):
        path = tmp_path / table
        result = _modules_after(f"from tfsenti.cli import main\nassert main(['train', {str(path)!r}"
                                "]) == 2")
        assert result.returncode == 0, result.stderr
        error, loaded = result.stderr.splitlines()
        assert error.startswith(f"tfsenti: error: {tmp_path}/{message}") and loaded == "False"


def test_argument_errors_name_the_flag_in_one_line(capsys):
    assert main(["train", "reviews", "--dropout", "1.5"]) == 2
    assert capsys.readouterr().err == "tfsenti: error: --dropout must be in [0, 1) (got 1.5)\n"
    assert main(["train", "reviews", "--mode", "features", "--freeze", "last-2"]) == 2
    assert capsys.readouterr().err == ("tfsenti: error: --mode features freezes the whole encoder "
                                       "by itself; drop --freeze\n")
    with pytest.raises(SystemExit) as exit:
        main(["train", "reviews", "--epochs", "three"])
    assert exit.value.code == 2
    assert capsys.readouterr().err == ("tfsenti: error: argument --epochs: invalid int value: "
                                       "'three' (see `tfsenti train --help`)\n")
    with pytest.raises(SystemExit):
        main(["train", "reviews", "--lr", "fast"])
    assert capsys.readouterr().err == ("tfsenti: error: argument --lr: expected auto or a number, "
                                       "got 'fast' (see `tfsenti train --help`)\n")


def _flags(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {flag for action in sub._actions for flag in action.option_strings}


def test_every_option_is_declared_once_and_generated_into_the_parser():
    train_flags = _flags("train")
    assert {flag_of(f.name) for f in dataclasses.fields(TrainConfig)} <= train_flags
    lr_find = _flags("lr-find")
    assert "--time-budget" not in lr_find and "--val-split" not in lr_find
    assert {flag_of(f.name) for f in option_fields("lr-find")} <= lr_find
    assert {"--text-column", "--label-column", "--delimiter"} <= _flags("evaluate")
    assert "--lr" not in _flags("evaluate")
    help_text = tfsenti("train", "--help").stdout
    for field in dataclasses.fields(TrainConfig):
        assert flag_of(field.name) in help_text
    assert "--lr X|auto" in help_text and "(default auto)" in help_text
    assert "(default 0.01)" in help_text and "training options:" in help_text


def test_the_training_summary_gives_the_accuracy_interval_of_a_large_validation_split(capsys):
    """A capped validation split (10,000 texts of a big table) says how far its accuracy can be
    trusted, as a small one does."""
    labels = np.arange(10_000) % 2
    probabilities = np.eye(2)[labels]
    probabilities[:1_000] = probabilities[:1_000, ::-1]  # 9,000 right
    metrics = compute_metrics(labels, probabilities, ["neg", "pos"])
    print_summary(types.SimpleNamespace(chief=True, folder="big_model",
                                        metrics={"validation": metrics}))
    low, high = metrics["accuracy_95"]
    assert 0.89 < low < 0.9 < high < 0.91
    assert capsys.readouterr().out.splitlines()[2] == (
        f"validation: accuracy 0.9000 (95% interval {low:.3f}-{high:.3f})  macro-F1 0.9000  "
        "MCC 0.8000  (10000 examples)")
