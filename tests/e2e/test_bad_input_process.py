"""Bad input as a user meets it, in a fresh process that loads TensorFlow: exactly one stderr
line (TensorFlow's own start-up lines hidden), the exit code, and the working folder unchanged.
The in-process suite (test_bad_input.py) covers the many other cases quickly."""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import pytest

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
    (tmp_path / "ro").mkdir(mode=0o555)
    return tmp_path


CASES = {
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
