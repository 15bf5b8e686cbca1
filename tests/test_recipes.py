"""Training recipes: freezing, feature extraction, pooling, mixed precision, class weights, resume
after SIGKILL, MirroredStrategy on two logical CPUs, two workers, and their one-line errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras as keras

from conftest import copy_demo
from run_cli import tfsenti
from tfsenti import TrainConfig, build_classifier, fine_tune, load, load_dataset, train
from tfsenti.training import class_weights


def _config(encoder: Path, **kwargs) -> TrainConfig:
    return TrainConfig(**{"encoder": str(encoder), "epochs": 1, "seq_len": 32, "batch_size": 16,
                          **kwargs})


def _trainable_groups(model: keras.Model) -> set[str]:
    return {w.name.split("/")[0] for w in model.trainable_weights}


def test_freeze_strategies_leave_the_right_weights_trainable(tiny_encoder):
    groups = {freeze: _trainable_groups(build_classifier(_config(tiny_encoder, freeze=freeze), 2))
              for freeze in ("none", "encoder", "all-but-pooler", "last-1")}
    assert groups["encoder"] == {"classifier"}
    assert groups["all-but-pooler"] == {"pooler", "classifier"}
    assert groups["last-1"] == {"transformer_layer_1", "pooler", "classifier"}
    assert {"embeddings", "transformer_layer_0"} <= groups["none"]


def test_frozen_weights_do_not_change_in_training(tiny_encoder, small_reviews):
    data = load_dataset(small_reviews / "train")
    model, history = train(_config(tiny_encoder, freeze="last-1", epochs=2), *data.split(0.25, seed=1),
                           verbose=0)
    before = {v.name: v.numpy() for v in hub.KerasLayer(str(tiny_encoder / "encoder")).weights}
    after = {v.name: v.numpy() for v in model.get_layer("encoder").weights}
    changed = {name.split("/")[0] for name in before if not np.array_equal(before[name], after[name])}
    assert changed == {"transformer_layer_1", "pooler"}
    head = model.get_layer("classifier")
    assert history["trainable_params"] == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert history["trainable_params"] < model.count_params() and head.trainable


def test_mean_pooling_averages_real_tokens_only():
    from tfsenti.model import Pooling

    sequence = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    mask = tf.constant([[1, 1, 0], [1, 0, 0]])
    pooled = Pooling("mean")({"sequence_output": sequence, "pooled_output": sequence[:, 0]}, mask)
    np.testing.assert_allclose(pooled, [sequence[0, :2].numpy().mean(0), sequence[1, 0].numpy()])


def test_features_mode_trains_only_a_head_and_exports_a_string_model(tiny_encoder, small_reviews,
                                                                     tmp_path):
    result = fine_tune(_config(tiny_encoder, mode="features", pooling="mean"),
                       small_reviews / "train", test_path=small_reviews / "test",
                       out=tmp_path / "features", verbose=0)
    saved = json.loads((result.folder / "config.json").read_text())
    assert saved["train_config"]["mode"] == "features"
    assert saved["trainable_params"] == 32 + 1  # one Dense(1) on 32-wide embeddings
    assert result.history["embed_seconds"] > 0 and result.history["head_seconds_per_epoch"] > 0
    assert 1 <= len(result.history["loss"]) <= 100
    predictions = load(result.folder).predict(["a wonderful film", "a dull film"])
    assert predictions.probabilities.shape == (2, 2)
    np.testing.assert_allclose(predictions.probabilities.sum(axis=1), 1, atol=1e-6)


def test_mixed_precision_keeps_the_head_in_float32_and_exports_float32(tiny_encoder, small_reviews,
                                                                      tmp_path):
    from tfsenti import export

    data = load_dataset(small_reviews / "train")
    model, _ = train(_config(tiny_encoder, precision="mixed_float16"), *data.split(0.25, seed=1),
                     verbose=0)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after the run
    assert model.get_layer("dropout").dtype_policy.name == "mixed_float16"
    assert model.get_layer("classifier").dtype_policy.name == "float32"
    assert model(tf.constant(["a fine film"])).dtype == tf.float32
    served = tf.saved_model.load(str(export(model, data.class_names, tmp_path / "fp16")))
    out = served.signatures["serving_default"](text=tf.constant(["a fine film"]))
    assert out["probabilities"].dtype == tf.float32


def test_converted_encoder_computes_in_the_requested_precision(tmp_path):
    from checkpoints import make_checkpoint
    from tfsenti.hub.convert import convert_checkpoint

    out = convert_checkpoint(make_checkpoint(tmp_path / "hf"), tmp_path / "bf16", "mixed_bfloat16")
    encoder = hub.KerasLayer(str(out / "encoder"))
    ids = tf.constant([[1, 5, 2]])
    outputs = encoder({"input_word_ids": ids, "input_mask": tf.ones_like(ids),
                       "input_type_ids": tf.zeros_like(ids)})
    assert outputs["sequence_output"].dtype == tf.bfloat16
    assert all(v.dtype == tf.float32 for v in encoder.weights)


def test_default_encoder_is_the_conversion_of_the_run_precision(tmp_path, monkeypatch):
    from checkpoints import make_checkpoint
    from tfsenti.hub import default
    from tfsenti.hub.convert import convert_checkpoint
    from tfsenti.precision import precision_policy

    checkpoint = make_checkpoint(tmp_path / "hf")
    requested = []

    def tiny_default(precision: str = "float32") -> Path:  # the default encoder, in miniature
        requested.append(precision)
        return convert_checkpoint(checkpoint, tmp_path / precision, precision)

    monkeypatch.setattr(default, "default_encoder_dir", tiny_default)
    with precision_policy("mixed_bfloat16"):
        model = build_classifier(TrainConfig(precision="mixed_bfloat16", seq_len=16), 2)
        inputs = model.get_layer("preprocess")(tf.constant(["a fine film"]))
        pooled = model.get_layer("encoder")(inputs)["pooled_output"]
    assert requested == ["mixed_bfloat16"]
    assert pooled.dtype == tf.bfloat16
    assert model(tf.constant(["a fine film"])).dtype == tf.float32


def test_balanced_class_weights_change_the_loss(tiny_encoder, small_reviews):
    data = load_dataset(small_reviews / "train")
    keep = np.ones(len(data), dtype=bool)
    keep[np.flatnonzero(data.labels == 1)[8:]] = False  # 24 neg, 8 pos
    imbalanced = data.subset(keep, "imbalanced")
    weights = class_weights(imbalanced.labels, 2, "balanced")
    assert weights == {0: round(32 / 48, 4), 1: 2.0}
    splits = imbalanced.split(0.25, seed=1)
    _, plain = train(_config(tiny_encoder), *splits, verbose=0)
    _, weighted = train(_config(tiny_encoder, class_weight="balanced"), *splits, verbose=0)
    assert plain["loss"][0] != pytest.approx(weighted["loss"][0], abs=1e-4)
    assert plain["val_loss"][0] == pytest.approx(weighted["val_loss"][0], abs=0.05)  # unweighted


def test_sigkill_then_resume_completes_the_planned_steps(tiny_encoder, tmp_path):
    data = copy_demo(tmp_path / "data", {"train": 100})
    out = tmp_path / "model"
    args = ["train", data, "--encoder", tiny_encoder, "--epochs", "8", "--batch-size", "8",
            "--seq-len", "32", "--out", out]
    run = subprocess.Popen([sys.executable, "-m", "tfsenti", *map(str, args), "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = out.with_name("model.partial") / "work" / "best" / "epochs.json"
    deadline = time.monotonic() + 300
    while not record.is_file() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # into the next epoch
    assert run.poll() is None, "training finished before it could be interrupted"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    killed_at = len(json.loads(record.read_text())["epochs"])
    assert not out.exists() and not (out.with_name("model.partial") / "saved_model.pb").exists()

    resumed = tfsenti(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming the interrupted run" in resumed.stderr
    history = json.loads((out / "history.json").read_text())
    assert 1 <= killed_at < 8 and len(history["loss"]) == 8
    assert history["steps"] == 8 * history["steps_per_epoch"]
    assert not out.with_name("model.partial").exists() and not (out / "work").exists()
    assert load(out).predict(["a fine film"]).probabilities.shape == (1, 2)


def test_mirrored_strategy_on_two_logical_cpus(tiny_encoder, small_reviews, tmp_path):
    script = f"""
import json, tensorflow as tf
cpu, = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tfsenti import TrainConfig, fine_tune
config = TrainConfig(encoder={str(tiny_encoder)!r}, epochs=1, seq_len=32, batch_size=16,
                     strategy="mirrored")
result = fine_tune(config, {str(small_reviews / "train")!r}, out={str(tmp_path / "m")!r}, verbose=0)
print(json.dumps(json.loads((result.folder / "config.json").read_text())["replicas"]))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2"
    assert (tmp_path / "m" / "saved_model.pb").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_train_one_epoch_and_produce_one_export(tiny_encoder, small_reviews, tmp_path):
    cluster = {"worker": [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]}
    out = tmp_path / "out"
    start = time.perf_counter()
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tfsenti", "train", str(small_reviews), "--encoder", str(tiny_encoder),
         "--epochs", "1", "--seq-len", "32", "--out", str(out), "--quiet", "--strategy", "multiworker"],
        env={**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster,
                                                    "task": {"type": "worker", "index": i}})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    print(f"two-worker run: {time.perf_counter() - start:.1f} s wall")
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]
    assert "exported" in outputs[0][0] and "the chief worker writes the export" in outputs[1][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    saved = json.loads((out / "config.json").read_text())
    assert saved["replicas"] == 2 and saved["train_config"]["strategy"] == "multiworker"
    assert load(out).predict(["a fine film"]).probabilities.shape == (1, 2)


@pytest.mark.parametrize("extra, env, message", [
    (["--strategy", "gpu-cluster"], {}, "--strategy must be one of default, mirrored"),
    (["--freeze", "last-9"], {}, "--freeze last-9: the encoder has only 2 transformer blocks"),
    (["--freeze", "half"], {}, "--freeze must be none, encoder, all-but-pooler or last-N"),
    (["--mode", "features", "--freeze", "encoder"], {}, "--mode features freezes the whole encoder"),
    (["--strategy", "multiworker"], {"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:1"]'},
     "TF_CONFIG is not valid JSON"),
    (["--strategy", "multiworker"], {"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:1"]}, '
                                                  '"task": {"type": "worker", "index": 3}}'},
     'TF_CONFIG "task.index" must be an integer in [0, 1)'),
    (["--precision", "float16"], {}, "--precision must be one of float32, mixed_float16"),
    (["--class-weight", "inverse"], {}, "--class-weight must be one of balanced"),
])
def test_bad_recipe_options_fail_in_one_line_and_write_nothing(tiny_encoder, small_reviews,
                                                               tmp_path, monkeypatch, capsys,
                                                               extra, env, message):
    from tfsenti.cli import main

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(["train", str(small_reviews), "--encoder", str(tiny_encoder), "--epochs", "1",
                 "--out", str(tmp_path / "out"), "--quiet", *extra])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("tfsenti:")]
    assert code == 2 and len(errors) == 1 and message in errors[0], errors
    assert list(tmp_path.iterdir()) == []
