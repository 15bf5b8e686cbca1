"""`--class-names 0=neg,1=pos`: a (Parquet) table's integer labels named once, at training; the
export and later evaluations use the names. The training run also shows what `train` logs
when stdout is a file."""

import json
import re

from run_cli import refused, run_here
from sample_data import aspect_rows, write_table


def test_named_labels_reach_the_export_and_later_evaluations(tiny_encoder, tmp_path, capfd):
    rows = [{"text": row["text"], "label": "1" if row["label"] == "pos" else "0"}
            for row in aspect_rows(60, seed=2)]
    table = write_table(tmp_path / "numbers.parquet", rows)  # Parquet, as TSV and CSV
    out = tmp_path / "model"
    result = run_here(capfd, "train", table, "--class-names", "0=negative,1=positive", "--encoder",
                      tiny_encoder, "--small-data", "off", "--epochs", "1", "--seq-len", "32",
                      "--out", out)
    assert result.returncode == 0, result.stderr
    # stdout is captured, as in a log file: one line per epoch, no redrawn progress bar
    assert sum(" - val_accuracy: " in line for line in result.stdout.splitlines()) == 1
    assert "\b" not in result.stdout and "\r" not in result.stdout
    assert re.search(r"^tfsenti: first step done \d+\.\d s after the start$", result.stderr, re.M)
    config = json.loads((out / "config.json").read_text())
    assert config["class_names"] == ["negative", "positive"] and config["train_seconds"] > 0
    assert config["train_config"]["class_names"] == "0=negative,1=positive"
    evaluated = run_here(capfd, "evaluate", "--model", out, table, "--quiet")  # the saved names
    assert evaluated.returncode == 0, evaluated.stderr
    assert list(json.loads(evaluated.stdout)["per_class"]) == ["negative", "positive"]
    first_one = 1 + [row["label"] for row in rows].index("1")
    assert refused(tmp_path, "evaluate", "--model", out, table, "--class-names", "0=negative",
                   "--quiet", capfd=capfd) == (
        f"{table}: row {first_one}: label '1' in column 'label' has no name in --class-names (it "
        "names '0')")
