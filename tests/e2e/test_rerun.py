"""`tfsenti train --config MODEL/config.json` re-runs a saved run: same data, same options, the
same history on CPU with `--deterministic` (also when the rerun tokenizes inside the input
pipeline, as tables of many rows do); options given on the command line win over the saved
ones."""

from __future__ import annotations

import dataclasses
import json

from tensorflow.python.framework import config as tf_config

from tfsenti.cli import build_parser, main, train_config_of
from tfsenti.config import TrainConfig
from tfsenti.training import loop


def _saved(folder) -> tuple[dict, dict]:
    config = json.loads((folder / "config.json").read_text())
    history = json.loads((folder / "history.json").read_text())
    history.pop("train_seconds")
    return config, history


def test_rerunning_a_saved_config_reproduces_its_history(tiny_encoder, small_reviews, tmp_path,
                                                         monkeypatch):
    first = tmp_path / "first"
    assert main(["train", str(small_reviews), "--encoder", str(tiny_encoder), "--epochs", "2",
                 "--seq-len", "32", "--batch-size", "8", "--lr", "3e-4", "--deterministic",
                 "--out", str(first), "--quiet"]) == 0
    config, history = _saved(first)
    assert set(config["versions"]) == {"tfsenti", "tensorflow", "tensorflow-text",
                                       "tensorflow-hub", "tf-keras"}
    assert config["versions"]["tensorflow"].startswith("2.21")
    assert config["data"]["test"] == str(small_reviews / "test")

    again = tmp_path / "again"
    monkeypatch.setattr(loop, "STREAM_FROM", 0)  # tokenized inside the pipeline: the same run
    assert main(["train", "--config", str(first / "config.json"), "--out", str(again),
                 "--quiet"]) == 0
    rerun_config, rerun_history = _saved(again)
    assert rerun_config["train_config"] == config["train_config"]
    assert rerun_config["data"] == config["data"]
    assert rerun_history == history and len(history["loss"]) == 2
    assert history["loss"][0] != history["loss"][1]  # it did train
    assert not tf_config.is_op_determinism_enabled()  # for the run only, not the process

    options = build_parser().parse_args(["train", "--config", str(first), "--epochs", "1"])
    assert train_config_of(options) == dataclasses.replace(TrainConfig.load(first), epochs=1)
