"""A run killed with SIGKILL continues with `--resume` and completes its planned steps; Ctrl-C
(SIGINT) says so in one line and keeps the run for `--resume`. The runs interrupted are
`python -m tfsenti train` processes; the resumes run in this process (`run_cli.run_here`)."""

import json
import os
import signal
import subprocess
import sys
import time

import tensorflow_hub as hub

from run_cli import interrupt_training, run_here
from sample_data import copy_demo, topic_rows, write_jsonl
from tfsenti import load, precision
from tfsenti.cli import main


def test_sigkill_then_resume_completes_the_planned_steps(tiny_encoder, tmp_path, capfd,
                                                        monkeypatch):
    """A multi-label run with a weight average (--ema), whose optimizer slots, average and
    per-label metrics must all come back from the checkpoint."""
    data = write_jsonl(tmp_path / "topics.jsonl", topic_rows(200, seed=0))
    out = tmp_path / "model"
    args = ["train", data, "--encoder", tiny_encoder, "--epochs", "3", "--batch-size", "8",
            "--seq-len", "32", "--out", out, "--ema", "0.99"]
    record = out.with_name("model.partial") / "work" / "best" / "epochs.json"
    interrupt_training(args, signal.SIGKILL, once=record)
    killed_at = len(json.loads(record.read_text())["epochs"])
    assert not out.exists() and not (out.with_name("model.partial") / "saved_model.pb").exists()

    # resumed on a CPU where --precision auto would choose bfloat16: the run keeps its float32
    monkeypatch.setattr(precision, "auto_precision", lambda encoder: ("mixed_bfloat16", "AMX"))
    resumed = run_here(capfd, *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming the interrupted run" in resumed.stderr
    assert "--precision auto: float32, as the run being resumed chose" in resumed.stderr
    assert json.loads((out / "config.json").read_text())["train_config"]["precision"] == "float32"
    history = json.loads((out / "history.json").read_text())
    assert 1 <= killed_at < 3 and len(history["loss"]) == 3
    assert history["steps"] == 3 * history["steps_per_epoch"]
    averaged = [key for key in history if key.startswith("last_val_")]  # --ema, every epoch
    assert averaged and all(len(history[key]) == 3 for key in averaged)
    assert not out.with_name("model.partial").exists() and not (out / "work").exists()
    assert load(out).predict(["a fine film"]).probabilities.shape == (1, 3)


def test_ctrl_c_prints_one_line_and_keeps_the_run_for_a_resume_with_the_same_options(
        tiny_encoder, tmp_path, capfd):
    data = copy_demo(tmp_path / "data", {"train": 100})
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    args = ["train", data, "--encoder", tiny_encoder, "--epochs", "50", "--batch-size", "8",
            "--seq-len", "32", "--out", out]
    code, stderr = interrupt_training(args, signal.SIGINT, once=partial / "work" / "options.json")
    # ended by its own SIGINT, as Python ends on a Ctrl-C (status 130 in a shell), every time
    assert code == -signal.SIGINT, stderr  # the line to read when a Ctrl-C lands where it should not
    assert stderr.splitlines() == [f"tfsenti: interrupted; {partial} is kept for --resume"]
    assert not out.exists() and partial.is_dir()

    changed = run_here(capfd, *args, "--lr", "3e-5", "--rdrop", "1", "--resume")
    assert changed.returncode == 2, changed.stderr
    assert changed.stderr.splitlines()[-1] == (
        "tfsenti: error: the run being resumed had --lr 'auto' (now 3e-05), --rdrop 0.0 (now 1.0); "
        "resume with the same options or start afresh")
    assert partial.is_dir() and not out.exists()

    record = partial / "work" / "options.json"
    record.write_text("")  # emptied by something other than tfsenti, which writes it whole
    unreadable = run_here(capfd, *args, "--resume")
    assert unreadable.returncode == 2 and unreadable.stderr.splitlines()[-1] == (
        f"tfsenti: error: {record}: not an interrupted run's record (Expecting value: line 1 "
        "column 1 (char 0)); run without --resume to start afresh")


def test_a_ctrl_c_that_tensorflow_turns_into_another_error_is_still_one_line(
        tiny_encoder, tmp_path, monkeypatch, capfd):
    def load_interrupted(*args, **kwargs):
        """A SIGINT landing while native code raises an error: pybind11 replaces both."""
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(10)
        except KeyboardInterrupt:
            raise RuntimeError("pybind11::error_already_set: MISMATCH of original and normalized "
                               "active exception types: ORIGINAL InvalidArgumentError REPLACED BY "
                               "KeyboardInterrupt") from None

    monkeypatch.setattr(hub, "load", load_interrupted)
    data = copy_demo(tmp_path / "data", {"train": 20})
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    args = [*map(str, ["train", data, "--encoder", tiny_encoder, "--out", out]), "--quiet"]
    # Python's own SIGINT handler, as a foreground command has, even where the test runner ignores
    # SIGINT (a background job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = main(args)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (code, capfd.readouterr().err.splitlines()) == (
        130, [f"tfsenti: interrupted; {partial} is kept for --resume"])
    assert not out.exists() and partial.is_dir()


INTERRUPTED_TWICE = """
import os, signal, sys, time
from tfsenti._startup import load_tensorflow
from tfsenti.cli import main
load_tensorflow()  # quietly, as the CLI does, before the stand-ins are set
import tensorflow_hub as hub

def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(10)

class CtrlCWhileTheLineIsWritten:
    def __init__(self, stream):
        self.stream = stream
    def write(self, text):
        if "interrupted;" in text:
            ctrl_c()
        return self.stream.write(text)
    def __getattr__(self, name):
        return getattr(self.stream, name)

def load_interrupted(*args, **kwargs):
    ctrl_c()

hub.load = load_interrupted
sys.stderr = CtrlCWhileTheLineIsWritten(sys.stderr)
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a foreground command
main(sys.argv[1:])
"""


def test_a_second_ctrl_c_exits_at_once_without_a_traceback(tiny_encoder, tmp_path):
    data = copy_demo(tmp_path / "data", {"train": 20})
    out = tmp_path / "model"
    args = ["train", data, "--encoder", tiny_encoder, "--out", out, "--quiet"]
    run = subprocess.run([sys.executable, "-c", INTERRUPTED_TWICE, *map(str, args)],
                         capture_output=True, text=True, timeout=300)
    assert (run.returncode, run.stderr.splitlines()) == (
        -signal.SIGINT, ["tfsenti: interrupted again; exiting at once"]), run.stderr
    assert not out.exists() and out.with_name("model.partial").is_dir()  # still resumable
