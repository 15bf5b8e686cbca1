"""The encoder catalog: names, handles, local folders and URLs; `tfsenti encoders`."""

import pytest

from run_cli import tfsenti
from tfsenti.encoders.catalog import CATALOG, resolve_encoder
from tfsenti.errors import EncoderError


def test_catalog_names_and_local_paths(tiny_encoder, tmp_path):
    assert "minilm-l6" in CATALOG and "bert_en_uncased_L-12_H-768_A-12" in CATALOG
    assert sum(name.startswith("small_bert/") for name in CATALOG) == 24
    assert {"albert_en_base", "electra_small", "electra_base"} <= set(CATALOG)
    enc, pre = resolve_encoder("small_bert/bert_en_uncased_L-4_H-512_A-8")
    assert enc.endswith("bert-en-uncased-l-4-h-512-a-8/2") and pre.endswith("en-uncased-preprocess/3")
    assert resolve_encoder(str(tiny_encoder)) == (str(tiny_encoder / "encoder"),
                                                  str(tiny_encoder / "preprocess"))
    assert resolve_encoder(str(tiny_encoder / "encoder")).preprocess == str(tiny_encoder / "preprocess")
    url = "https://www.kaggle.com/models/x/y/TensorFlow2/z/1"
    assert resolve_encoder(url)[0] == url
    with pytest.raises(EncoderError, match="did you mean .*small_bert/bert_en_uncased_L-2_H-128_A-2"):
        resolve_encoder("small_bert/bert_en_uncased_L-2_H-128")
    with pytest.raises(EncoderError, match="neither a SavedModel"):
        resolve_encoder(str(tmp_path))


def test_encoders_command_lists_the_catalog():
    result = tfsenti("encoders")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("minilm-l6")
    assert len(result.stdout.splitlines()) == len(CATALOG)
