"""TrainConfig: declarations, checks worded for Python callers, JSON round trip, saved runs."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tfsenti.config import GROUPS, TrainConfig, flag_of, read_saved_run
from tfsenti.errors import ConfigError


def _error(**options) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        TrainConfig(**options).validate()
    return caught.value


@pytest.mark.parametrize("options, python, cli", [
    ({"batch_size": 0}, "batch_size must be at least 1 (got 0)", "--batch-size must be at least 1"),
    ({"seq_len": 1024}, "seq_len must be auto or in [8, 512] (got 1024)", "--seq-len must be auto"),
    ({"truncate": "middle"}, "truncate must be one of head, tail, head+tail (got 'middle')",
     "--truncate must be one of"),
    ({"preprocess": 3}, "preprocess must be a string (got 3)", "--preprocessor must be a string"),
    ({"epochs": "3"}, "epochs must be an integer (got '3')", "--epochs must be an integer"),
    ({"epochs": True}, "epochs must be an integer (got True)", "--epochs must be an integer"),
    ({"freeze": "last-0"}, "freeze must be none, encoder, all-but-pooler or last-N with N >= 1",
     "--freeze must be none"),
    ({"lr": 0.0}, "lr must be auto or positive (got 0.0)", "--lr must be auto or positive"),
    ({"lr": "fast"}, "lr must be auto or positive (got 'fast')", "--lr must be auto or positive"),
    ({"ema": 1.0}, "ema must be in (0, 1) (got 1.0)", "--ema must be in (0, 1)"),
    ({"label_smoothing": 1.0}, "label_smoothing must be in [0, 1) (got 1.0)",
     "--label-smoothing must be in [0, 1)"),
    ({"ema": 0.999, "embedding_updates": "dense"},
     "ema needs embedding_updates lazy", "--ema needs --embedding-updates lazy"),
    ({"ema": 0.999, "mode": "features"}, "ema averages the weights of fine-tuning; mode features",
     "--ema averages the weights of fine-tuning; --mode features fits only a head"),
    ({"rdrop": -1.0}, "rdrop must be at least 0 (got -1.0)", "--rdrop must be at least 0"),
    ({"rdrop": 1.0, "long": "chunks"}, "rdrop pairs the two passes of each text; long chunks",
     "--rdrop pairs the two passes of each text; --long chunks"),
    ({"rdrop": 1.0, "mode": "features"}, "rdrop compares two dropout passes of fine-tuning",
     "--rdrop compares two dropout passes"),
    ({"rdrop": 1.0, "strategy": "mirrored"}, "rdrop needs strategy default",
     "--rdrop needs --strategy default"),
    ({"time_budget": 5, "strategy": "multiworker"},
     "time_budget cannot be used with strategy multiworker", "--time-budget cannot be used with "
     "--strategy multiworker"),
])
def test_errors_name_fields_for_python_and_flags_for_the_cli(options, python, cli):
    error = _error(**options)
    assert str(error).startswith(python)
    assert error.render(flag_of).startswith(cli)


def test_valid_values_pass_including_optional_ones_left_unset():
    config = TrainConfig(seq_len="auto", lr=1, class_weight="balanced", early_stop=None,
                         freeze="last-12", time_budget=0.5)
    assert config.validate() is config
    assert TrainConfig().validate() == TrainConfig()


def test_every_field_is_declared_with_help_group_and_a_distinct_flag():
    fields = dataclasses.fields(TrainConfig)
    for field in fields:
        assert field.metadata["help"] and field.metadata["group"] in GROUPS, field.name
    flags = [flag_of(f.name) for f in fields]
    assert len(set(flags)) == len(flags) and flag_of("preprocess") == "--preprocessor"


def test_json_round_trip_ignores_keys_of_other_versions():
    config = TrainConfig(epochs=2, lr=3e-5, seq_len="auto", deterministic=True)
    assert TrainConfig.from_json(config.to_json()) == config
    saved = {**json.loads(config.to_json()), "retired_option": 1}
    assert TrainConfig.from_json(json.dumps(saved)) == config


def test_load_reads_the_config_json_of_a_model_folder(tmp_path):
    config = TrainConfig(epochs=5, pooling="mean")
    (tmp_path / "config.json").write_text(json.dumps(
        {"train_config": dataclasses.asdict(config), "data": {"train": "reviews/train"}}))
    assert TrainConfig.load(tmp_path) == TrainConfig.load(tmp_path / "config.json") == config
    assert read_saved_run(tmp_path)["data"] == {"train": "reviews/train"}


@pytest.mark.parametrize("content, message", [
    (None, "no such file"), ("{oops", "not valid JSON"), ('{"class_names": []}', "no train_config"),
])
def test_unusable_saved_runs_are_one_line_errors(tmp_path, content, message):
    if content is not None:
        (tmp_path / "config.json").write_text(content)
    with pytest.raises(ConfigError, match=message):
        read_saved_run(tmp_path / "config.json")
