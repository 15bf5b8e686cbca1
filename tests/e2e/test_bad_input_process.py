"""Bad input as a user meets it, in a fresh process that loads TensorFlow: exactly one stderr
line (TensorFlow's own start-up lines hidden), the exit code, and the working folder unchanged.
One case per stage a command can fail at after TensorFlow has loaded (reading data, fetching
the encoder, writing the output, reading a model, checking labels against it, exporting); the
in-process suite (test_bad_input.py) covers the many other cases quickly, its stderr read at the
file descriptor, where TensorFlow's native lines would show."""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import pytest

from local_server import unused_port_url
from run_cli import snapshot, tfsenti

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # <linux/prctl.h>, capability.h


def _without_root_file_access() -> None:
    """In the child before exec: drop root's right to ignore file permissions, so that a
    read-only folder is read-only to it as to any user (it still owns every file root owns)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def work(tmp_path, small_reviews, tiny_encoder, tiny_model) -> Path:
    """Reviews, the tiny encoder, a trained model and a corrupt copy of it, a table with a label
    the model never saw, and a read-only folder `ro`."""
    shutil.copytree(small_reviews, tmp_path / "reviews")
    shutil.copytree(tiny_encoder, tmp_path / "encoder")
    shutil.copytree(tiny_model, tmp_path / "model")
    shutil.copytree(tiny_model, tmp_path / "broken")
    (data,) = (tmp_path / "broken" / "variables").glob("variables.data-*")
    data.write_bytes(data.read_bytes()[:1000])
    (tmp_path / "unseen.csv").write_text("text,label\ngood,pos\nbad,awful\n", encoding="utf-8")
    (tmp_path / "mixed.csv").write_text("text,label\ngood,1\nbad,0\nawful,neg\n", encoding="utf-8")
    (tmp_path / "taken.tflite").write_bytes(b"")
    (tmp_path / "ro").mkdir(mode=0o555)
    return tmp_path


URL = unused_port_url("/bert")  # nothing listens there: the download fails at once

CASES = {
    "labels mixing numbers and names": (
        lambda w: ["train", str(w / "mixed.csv"), "--encoder", str(w / "encoder"), "--quiet",
                   "--out", str(w / "out")], 2,
        lambda w: f"{w / 'mixed.csv'}: column 'label' mixes numbers (row 1: '1') and names (row "
                  "3: 'neg'); use one kind of label"),
    "an encoder URL without network": (
        lambda w: ["train", str(w / "reviews/train"), "--encoder", URL, "--quiet", "--out",
                   str(w / "out")], 2,
        lambda w: f"{URL}: download failed ([Errno 111] Connection refused); offline, use the "
                  "built-in encoder 'minilm-l6', a local encoder folder, or a TFHUB_CACHE_DIR "
                  "that holds this model"),
    "a model folder that exists (refused before the data are read)": (
        lambda w: ["train", str(w / "reviews/train"), "--encoder", str(w / "encoder"),
                   "--out", str(w / "model")], 2,
        lambda w: f"{w / 'model'}: already exists; pass --overwrite to replace it"),
    "a TFLite file that exists": (
        lambda w: ["export", "--model", str(w / "model"), "--format", "tflite", "--out",
                   str(w / "taken.tflite")], 2,
        lambda w: f"{w / 'taken.tflite'}: already exists; pass --overwrite to replace it"),
    "output inside a read-only folder": (
        lambda w: ["train", str(w / "reviews/train"), "--encoder", str(w / "encoder"),
                   "--epochs", "1", "--quiet", "--out", str(w / "ro" / "model")], 1,
        lambda w: f"{w / 'ro' / 'model.partial'}: Permission denied (while writing "
                  f"{w / 'ro' / 'model'}; nothing was kept)"),
    "a truncated model": (
        lambda w: ["predict", "--model", str(w / "broken"), "fine"], 2,
        lambda w: f"{w / 'broken'}: the SavedModel could not be read (Read less bytes than "
                  "requested); copy or export the model folder again"),
    "evaluation labels the model never saw": (
        lambda w: ["evaluate", "--model", str(w / "model"), str(w / "unseen.csv")], 2,
        lambda w: f"{w / 'unseen.csv'}: labels ['awful'] in column 'label' were not seen in "
                  "training (model classes: ['neg', 'pos'])"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_in_a_fresh_process(case, work):
    make_args, code, message = CASES[case]
    before = snapshot(work)
    as_user = {"preexec_fn": _without_root_file_access} if os.geteuid() == 0 else {}
    result = tfsenti(*make_args(work), cwd=work, **as_user)
    assert (result.returncode, result.stderr) == (code, f"tfsenti: error: {message(work)}\n")
    assert result.stdout == ""
    assert snapshot(work) == before
