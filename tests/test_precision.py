"""Mixed precision: a converted encoder computes in the precision it was converted for, the
classifier uses the default encoder's conversion of the run's precision with a float32 head, and
`--precision auto` picks bfloat16 only where it pays."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub

from checkpoints import make_checkpoint
from tfsenti import TrainConfig, build_classifier, fine_tune, load, precision
from tfsenti.encoders import default
from tfsenti.encoders.convert import convert_checkpoint
from tfsenti.inference.signature import serving_function
from tfsenti.precision import auto_precision, precision_policy, resolve_precision
from tfsenti.training.resume_record import RUN_OPTIONS, run_precision, same_options_as_before


@pytest.fixture(scope="module")
def bf16_encoder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bf16")
    return convert_checkpoint(make_checkpoint(root / "hf"), root / "tfhub", "mixed_bfloat16")


def test_converted_encoder_computes_in_the_requested_precision(bf16_encoder):
    encoder = hub.KerasLayer(str(bf16_encoder / "encoder"))
    ids = tf.constant([[1, 5, 2]])
    outputs = encoder({"input_word_ids": ids, "input_mask": tf.ones_like(ids),
                       "input_type_ids": tf.zeros_like(ids)})
    assert outputs["sequence_output"].dtype == tf.bfloat16
    assert all(v.dtype == tf.float32 for v in encoder.weights)


def test_default_encoder_is_the_conversion_of_the_run_precision(bf16_encoder, monkeypatch):
    requested = []

    def tiny_default(precision: str = "float32") -> Path:  # the default encoder, in miniature
        requested.append(precision)
        return bf16_encoder

    monkeypatch.setattr(default, "default_encoder_dir", tiny_default)
    with precision_policy("mixed_bfloat16"):
        model = build_classifier(TrainConfig(precision="mixed_bfloat16", seq_len=16), 2)
        inputs = model.get_layer("preprocess")(tf.constant(["a fine film"]))
        pooled = model.get_layer("encoder")(inputs)["pooled_output"]
    assert requested == ["mixed_bfloat16"]
    assert pooled.dtype == tf.bfloat16
    assert model.get_layer("classifier").dtype_policy.name == "float32"
    assert model(tf.constant(["a fine film"])).dtype == tf.float32


@pytest.mark.parametrize("flags, found", [
    ("fpu avx512f avx512_bf16 amx_tile amx_bf16", ("amx_bf16", "avx512_bf16")),
    ("fpu avx512f avx512_bf16 avx512_vnni", ("avx512_bf16",)), ("fpu avx2 avx512f", ())])
def test_bfloat16_flags_are_read_from_cpuinfo(tmp_path, flags, found):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: some cpu\nflags\t\t: {flags}\n\n")
    assert precision.cpu_bfloat16_flags(str(cpuinfo)) == found
    assert precision.cpu_bfloat16_flags(str(tmp_path / "missing")) == ()


@pytest.mark.parametrize("gpus, flags, expected", [
    ([], ("amx_bf16", "avx512_bf16"), "mixed_bfloat16"), ([], ("avx512_bf16",), "mixed_bfloat16"),
    ([], (), "float32"), (["GPU:0"], ("amx_bf16",), "float32")])
def test_auto_picks_bfloat16_for_the_default_encoder_on_cpus_with_bfloat16_only(monkeypatch, gpus,
                                                                                flags, expected):
    monkeypatch.setattr(precision, "cpu_bfloat16_flags", lambda: flags)
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: gpus)
    assert resolve_precision(TrainConfig()).precision == expected
    assert resolve_precision(TrainConfig(precision="float32")).precision == "float32"  # as asked


def test_a_resumed_record_without_a_precision_leaves_auto_to_choose_afresh(tmp_path, caplog,
                                                                            monkeypatch):
    """An `options.json` edited by hand to drop `precision`: auto chooses as for a new run, and no
    line says the run being resumed chose "auto"."""
    monkeypatch.setattr(precision, "cpu_bfloat16_flags", lambda: ("avx512_bf16",))
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    monkeypatch.setattr(logging.getLogger("tfsenti"), "propagate", True)  # the CLI turns it off
    caplog.set_level(logging.INFO, logger="tfsenti")
    (tmp_path / RUN_OPTIONS).write_text(json.dumps({"lr": 1e-4}))
    assert run_precision(TrainConfig(), tmp_path).precision == "mixed_bfloat16"
    assert "as the run being resumed chose" not in caplog.text
    same_options_as_before(TrainConfig(precision="float32"), tmp_path / "other")
    assert run_precision(TrainConfig(), tmp_path / "other").precision == "float32"
    assert "--precision auto: float32, as the run being resumed chose" in caplog.text


def test_auto_follows_a_converted_encoder_and_keeps_others_in_float32(bf16_encoder, tiny_encoder,
                                                                      monkeypatch):
    monkeypatch.setattr(precision, "cpu_bfloat16_flags", lambda: ("amx_bf16",))
    assert auto_precision(str(bf16_encoder))[0] == "mixed_bfloat16"
    assert auto_precision(str(bf16_encoder / "encoder"))[0] == "mixed_bfloat16"
    assert auto_precision(str(tiny_encoder)) == (
        "float32", f"the precision {tiny_encoder} was converted for")
    assert auto_precision("small_bert/bert_en_uncased_L-2_H-128_A-2") == (
        "float32", "not the default encoder")


def bfloat16_inside(graph: tf.Graph) -> bool:
    """Whether `graph` or a function it calls computes in bfloat16."""
    return "DT_BFLOAT16" in str(graph.as_graph_def())


def test_a_16_bit_run_records_its_precision_and_exports_a_float32_model(bf16_encoder,
                                                                         small_reviews, tmp_path):
    """`--precision auto` on a bfloat16 conversion trains in bfloat16; the exported model is
    rebuilt in float32 (TFLite cannot convert bfloat16 ops; a single text would pay for casts)."""
    result = fine_tune(TrainConfig(encoder=str(bf16_encoder), epochs=1, seq_len=16, batch_size=16),
                       small_reviews / "train", out=tmp_path / "model", verbose=0)
    assert TrainConfig.load(result.folder).precision == "mixed_bfloat16"
    served = tf.saved_model.load(str(result.folder)).signatures["serving_default"]
    assert not bfloat16_inside(served.graph)
    assert load(result.folder).predict(["a fine film"]).probabilities.dtype == np.float32

    with precision_policy("mixed_bfloat16"):  # the same model served as trained: bfloat16 inside
        as_trained = build_classifier(TrainConfig(encoder=str(bf16_encoder), seq_len=16), 2)
    assert bfloat16_inside(serving_function(as_trained, ["neg", "pos"]).get_concrete_function().graph)
