"""StagedFolder and whole_file: outputs appear complete under their final name, or not at all."""

from __future__ import annotations

import logging

import pytest

from tfsenti._staging import StagedFolder, whole_file
from tfsenti.errors import ConfigError


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_complete_build_is_renamed_into_place(tmp_path):
    with StagedFolder(tmp_path / "out") as stage:
        (stage.path / "a.txt").write_text("a")
        assert _names(tmp_path) == ["out.partial"]
    assert _names(tmp_path) == ["out"] and _names(tmp_path / "out") == ["a.txt"]


def test_a_failure_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with StagedFolder(tmp_path / "out") as stage:
            (stage.path / "a.txt").write_text("a")
            raise ValueError("bad input found late")
    assert _names(tmp_path) == []


def test_a_failure_removes_the_parent_folders_it_made(tmp_path):
    (tmp_path / "runs").mkdir()
    for private in (False, True):
        with pytest.raises(ValueError):
            with StagedFolder(tmp_path / "runs" / "new" / "deeper" / "out", private=private):
                raise ValueError("no network")
        assert _names(tmp_path) == ["runs"] and _names(tmp_path / "runs") == []


def test_an_existing_folder_is_kept_unless_overwrite(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old")
    with pytest.raises(ConfigError, match="already exists; pass overwrite") as caught:
        with StagedFolder(tmp_path / "out") as stage:
            (stage.path / "new.txt").write_text("new")
    assert "--overwrite" in caught.value.render(lambda name: "--" + name)
    assert _names(tmp_path) == ["out"] and _names(tmp_path / "out") == ["old.txt"]
    with pytest.raises(ConfigError) as caught:  # resuming a finished run does not steer to delete it
        StagedFolder(tmp_path / "out", resumable=True, resume=True).refuse_taken()
    assert caught.value.render(lambda name: "--" + name) == (
        f"{tmp_path / 'out'}: that run finished, so there is nothing to resume; its model is "
        "complete (pass --overwrite without --resume only to train it again)")
    with StagedFolder(tmp_path / "out", overwrite=True) as stage:
        (stage.path / "new.txt").write_text("new")
    assert _names(tmp_path) == ["out"] and _names(tmp_path / "out") == ["new.txt"]


def test_private_builds_of_the_same_folder_keep_the_first_to_finish(tmp_path):
    first = StagedFolder(tmp_path / "entry", private=True, keep_existing=True)
    second = StagedFolder(tmp_path / "entry", private=True, keep_existing=True)
    with first, second:  # both build at once, in folders of their own
        assert first.path != second.path and first.path.name.startswith(".entry.")
        (first.path / "who").write_text("first")
        (second.path / "who").write_text("second")
    assert _names(tmp_path) == ["entry"] and (tmp_path / "entry" / "who").read_text() == "second"


def test_an_interrupted_resumable_run_is_kept_for_resume(tmp_path):
    with pytest.raises(KeyboardInterrupt) as interrupt:
        with StagedFolder(tmp_path / "model", resumable=True) as stage:
            (stage.path / "checkpoint").write_text("epoch 2")
            raise KeyboardInterrupt
    assert interrupt.value.__notes__ == [f"{tmp_path / 'model.partial'} is kept for --resume"]
    assert _names(tmp_path) == ["model.partial"]
    with StagedFolder(tmp_path / "model", resumable=True, resume=True) as stage:
        assert (stage.path / "checkpoint").read_text() == "epoch 2"
    assert _names(tmp_path) == ["model"] and _names(tmp_path / "model") == ["checkpoint"]


@pytest.mark.parametrize("resume", [True, False])
def test_a_resumed_run_refused_for_its_options_keeps_its_folder(tmp_path, resume):
    (tmp_path / "model.partial").mkdir()
    (tmp_path / "model.partial" / "checkpoint").write_text("epoch 2")
    with pytest.raises(ConfigError):
        with StagedFolder(tmp_path / "model", resumable=True, resume=resume):
            raise ConfigError("the run being resumed had {lr} 0.0001 (now 2e-05)", ["lr"])
    # a run that was not resumed had already cleared the leftover and started its own
    assert _names(tmp_path) == (["model.partial"] if resume else [])
    if resume:
        assert _names(tmp_path / "model.partial") == ["checkpoint"]


def test_a_leftover_is_cleared_when_not_resuming(tmp_path, caplog):
    (tmp_path / "model.partial").mkdir()
    (tmp_path / "model.partial" / "stale").write_text("from an old run")
    with caplog.at_level(logging.WARNING), StagedFolder(tmp_path / "model", resumable=True) as stage:
        assert _names(stage.path) == []
    assert "model.partial, left by an interrupted run (--resume continues such a run)" in caplog.text


def test_a_file_that_fails_to_be_written_whole_leaves_the_previous_one(tmp_path):
    record = tmp_path / "epochs.json"
    record.write_text('{"epochs": []}')
    with pytest.raises(OSError, match="No space left"):
        with whole_file(record) as f:
            f.write(b'{"epochs": [{"loss": 0.5}')
            raise OSError(28, "No space left on device")
    assert record.read_text() == '{"epochs": []}' and _names(tmp_path) == ["epochs.json"]
    with whole_file(record) as f:
        f.write(b'{"epochs": [{"loss": 0.5}]}')
    assert record.read_text() == '{"epochs": [{"loss": 0.5}]}'
    assert _names(tmp_path) == ["epochs.json"]
