"""The encoder catalog: names, handles, local folders and URLs; `tfsenti encoders`."""

from pathlib import Path

import pytest

from local_server import folder_members, serving, tar_gz, unused_port_url
from run_cli import tfsenti
from tfsenti.encoders.catalog import CATALOG, resolve_encoder
from tfsenti.errors import EncoderError


def test_catalog_names_and_local_paths(tiny_encoder, tmp_path):
    assert "minilm-l6" in CATALOG and "bert_en_uncased_L-12_H-768_A-12" in CATALOG
    assert sum(name.startswith("small_bert/") for name in CATALOG) == 24
    assert {"albert_en_base", "electra_small", "electra_base"} <= set(CATALOG)
    spec = CATALOG["small_bert/bert_en_uncased_L-4_H-512_A-8"]
    assert spec.encoder.endswith("bert-en-uncased-l-4-h-512-a-8/2")
    assert spec.preprocess.endswith("en-uncased-preprocess/3")
    assert resolve_encoder(str(tiny_encoder)) == (str(tiny_encoder / "encoder"),
                                                  str(tiny_encoder / "preprocess"))
    assert resolve_encoder(str(tiny_encoder / "encoder")).preprocess == str(tiny_encoder / "preprocess")
    with pytest.raises(EncoderError, match="did you mean .*small_bert/bert_en_uncased_L-2_H-128_A-2"):
        resolve_encoder("small_bert/bert_en_uncased_L-2_H-128")
    with pytest.raises(EncoderError, match="neither a SavedModel"):
        resolve_encoder(str(tmp_path))


def test_an_encoder_url_is_downloaded_into_the_hub_cache_once(tiny_encoder, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    files = {"/encoder?tf-hub-format=compressed": tar_gz(folder_members(tiny_encoder / "encoder"))}
    with serving(files) as base:
        handles = resolve_encoder(f"{base}/encoder", preprocess=str(tiny_encoder / "preprocess"))
    assert Path(handles.encoder).parent == tmp_path / "cache"
    assert (Path(handles.encoder) / "saved_model.pb").read_bytes() == (
        tiny_encoder / "encoder" / "saved_model.pb").read_bytes()
    assert handles.preprocess == str(tiny_encoder / "preprocess")
    # The server is gone: the cached copy is used.
    assert resolve_encoder(f"{base}/encoder", str(tiny_encoder / "preprocess")) == handles


def test_an_encoder_url_without_network_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    url = unused_port_url("/encoder")
    with pytest.raises(EncoderError) as error:
        resolve_encoder(url)
    assert str(error.value).startswith(f"{url}: download failed (")
    assert str(error.value).endswith("offline, use the built-in encoder 'minilm-l6', a local "
                                     "encoder folder, or a TFHUB_CACHE_DIR that holds this model")


def test_encoders_command_lists_the_catalog():
    result = tfsenti("encoders")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("minilm-l6")
    assert len(result.stdout.splitlines()) == len(CATALOG)
