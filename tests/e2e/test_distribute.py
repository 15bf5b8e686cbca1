"""MirroredStrategy on two logical CPUs; two workers on 127.0.0.1 produce one export (a benchmark:
two training processes at once, 35-50 s on 2 cores)."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tfsenti import load


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


@pytest.mark.benchmark  # two training processes at once: 35-50 s on 2 cores
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
