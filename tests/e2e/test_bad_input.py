"""Bad training input as a user meets it. Each case: the exact error line naming the
file/row/column as the only stderr line, exit code 2, nothing on stdout, and the working folder
unchanged (no out/, no out.partial/, no saved_models/). Most cases run `tfsenti train` in this
process; those in `FRESH_PROCESS` (failing in the data, after the encoder loads, and offline)
run `python -m tfsenti train ...` as a user does, so TensorFlow's start-up and native log lines,
warnings and anything printed at exit would show. Models, predictions, reports and exports:
test_bad_model_input.py."""

import ctypes
import os
import shutil

import pytest

from local_server import unused_port_url
from run_cli import refused


@pytest.fixture
def work(tmp_path, small_reviews):
    """A scratch folder (the command's cwd) with a copy of the small reviews; default outputs
    would land here."""
    shutil.copytree(small_reviews, tmp_path / "reviews")
    return tmp_path


def _csv(work, text):
    (work / "t.csv").write_text(text, encoding="utf-8")
    return work / "t.csv"


def then(*steps):
    """Run side effects (already evaluated as arguments); return the last value, the CLI args."""
    return steps[-1]


def _train(*extra):
    return ["train", *extra, "--epochs", "1", "--out", "out"]


URL = unused_port_url("/bert")  # nothing listens there: the download fails at once


CASES = {  # name: (the command, given the work folder w; its error line after "tfsenti: error: ")
    "missing path": (lambda w: _train(w / "nope"), "{w}/nope: no such file or folder"),
    "empty folder": (lambda w: then((w / "empty").mkdir(), _train(w / "empty")),
                     "{w}/empty: no class subfolders (expected e.g. {w}/empty/pos and {w}/empty/neg)"),
    "one class": (lambda w: then(shutil.rmtree(w / "reviews/train/neg"), _train(w / "reviews/train")),
                  "{w}/reviews/train has 1 class folder ('pos'); need at least 2"),
    "class folder without files": (
        lambda w: then([p.unlink() for p in (w / "reviews/train/neg").iterdir()],
                       _train(w / "reviews/train")),
        "{w}/reviews/train/neg: class folder has no .txt files"),
    "non-UTF-8 file": (
        lambda w: then((w / "reviews/train/pos/0003.txt").write_bytes(b"caf\xe9 latin-1"),
                       _train(w / "reviews/train")),
        "{w}/reviews/train/pos/0003.txt: not UTF-8 text (invalid continuation byte at byte 3); "
        "it looks like Windows-1252: read it with --encoding cp1252"),
    "CSV without the named column": (
        lambda w: _train(_csv(w, "text,label\ngood,1\nbad,0\n"), "--text-column", "review"),
        "{w}/t.csv: no column 'review' (columns: ['text', 'label'])"),
    "empty text cell": (lambda w: _train(_csv(w, "text,label\ngood,1\n ,0\nbad,0\n")),
                        "{w}/t.csv: row 2: empty text in column 'text'"),
    "empty pair cell": (
        lambda w: _train(_csv(w, "text,aspect,label\ngreat food,food,1\nslow service,,0\n"),
                         "--pair-column", "aspect"),
        "{w}/t.csv: row 2: empty text in column 'aspect'"),
    "labels mixing numbers and names": (
        lambda w: _train(_csv(w, "text,label\ngood,1\nbad,0\nawful,neg\n")),
        "{w}/t.csv: column 'label' mixes numbers (row 1: '1') and names (row 3: 'neg'); use one "
        "kind of label"),
    "JSONL labels mixing numbers and names": (
        lambda w: then((w / "t.jsonl").write_text('{"text": "awful", "label": "neg"}\n'
                                                  '{"text": "good", "label": 1}\n'),
                       _train(w / "t.jsonl")),
        "{w}/t.jsonl: column 'label' mixes numbers (row 2: '1') and names (row 1: 'neg'); use one "
        "kind of label"),
    "JSONL labels mixing lists and single labels": (
        lambda w: then((w / "t.jsonl").write_text('{"text": "soup and bill", "label": ["food"]}\n'
                                                  '{"text": "slow waiter", "label": "service"}\n'),
                       _train(w / "t.jsonl")),
        "{w}/t.jsonl: column 'label' mixes lists of labels (row 1) and single labels (row 2); "
        "write every row's labels as a list"),
    "a list inside a list of labels": (
        lambda w: then((w / "t.jsonl").write_text('{"text": "soup", "label": [["food"]]}\n'),
                       _train(w / "t.jsonl")),
        "{w}/t.jsonl: row 1: column 'label' lists ['food']; a label is a name or a number"),
    "label separator on a folder": (
        lambda w: _train(w / "reviews/train", "--label-separator", "|"),
        "{w}/reviews/train: a folder gives each text one class (its subfolder); multi-label data "
        "need a .jsonl file with lists of labels or a table with --label-separator"),
    "multi-label with one label": (
        lambda w: _train(_csv(w, "text,label\nsoup,food\nbread,food|food\nrain,\n"),
                         "--label-separator", "|"),
        "{w}/t.csv: column 'label' has 1 distinct label ('food'); need at least 2"),
    "unknown delimiter": (lambda w: _train(_csv(w, "text;label\ngood;1\n"), "--delimiter", ";"),
                          "--delimiter must be one of comma, semicolon, tab, pipe (got ';')"),
    "blank review files": (
        lambda w: then([(w / f"reviews/train/neg/e{i:05}.txt").write_text("")
                        for i in range(10_000)],
                       (w / "reviews/train/pos/0001.txt").write_text(" \n"),
                       _train(w / "reviews/train")),
        "{w}/reviews/train/neg/e00000.txt: empty text (10001 blank .txt files under "
        "{w}/reviews/train; remove them)"),
    "symlink loop": (lambda w: then((w / "loop").symlink_to(w / "loop"), _train(w / "loop")),
                     "{w}/loop: no such file or folder"),
    "one label": (lambda w: _train(_csv(w, "text,label\ngood,1\nfine,1\n")),
                  "{w}/t.csv: column 'label' has 1 distinct label ('1'); need at least 2"),
    "val-split 0": (lambda w: _train(w / "reviews", "--val-split", "0"),
                    "--val-split must be in (0, 1) (got 0.0)"),
    "val-split 1.5": (lambda w: _train(w / "reviews", "--val-split", "1.5"),
                      "--val-split must be in (0, 1) (got 1.5)"),
    "batch size 0": (lambda w: _train(w / "reviews", "--batch-size", "0"),
                     "--batch-size must be at least 1 (got 0)"),
    "unknown truncation": (lambda w: _train(w / "reviews", "--truncate", "middle"),
                           "--truncate must be one of head, tail, head+tail (got 'middle')"),
    "seq-len too long": (lambda w: _train(w / "reviews", "--seq-len", "1024"),
                         "--seq-len must be auto or in [8, 512] (got 1024)"),
    "time budget 0": (lambda w: _train(w / "reviews", "--time-budget", "0"),
                      "--time-budget must be a positive number of minutes (got 0.0)"),
    "time budget on workers": (
        lambda w: _train(w / "reviews", "--time-budget", "5", "--strategy", "multiworker"),
        "--time-budget cannot be used with --strategy multiworker: each worker would time itself "
        "and plan a different number of steps"),
    "unknown encoder": (lambda w: _train(w / "reviews", "--encoder", "bert_large_imaginary"),
                        "unknown encoder 'bert_large_imaginary' (not a catalog name, folder or "
                        "URL); `tfsenti encoders` lists the names"),
    "output exists": (lambda w: then((w / "out").mkdir(), _train(w / "reviews")),
                      "out: already exists; pass --overwrite to replace it"),
    "unsupported file type": (lambda w: then((w / "x.xlsx").write_text(""), _train(w / "x.xlsx")),
                              "{w}/x.xlsx: unsupported file type '.xlsx'; use a folder of class "
                              "subfolders or a .csv, .tsv or .jsonl file (each also .gz) or a "
                              ".parquet file"),
    "an encoder URL without network": (
        lambda w: _train(w / "reviews", "--encoder", URL, "--quiet"),  # after the data's progress lines
        f"{URL}: download failed ([Errno 111] Connection refused); offline, use the built-in "
        "encoder 'minilm-l6', a local encoder folder, or a TFHUB_CACHE_DIR that holds this model"),
    "invalid JSONL": (lambda w: then((w / "t.jsonl").write_text('{"text": "a", "label": 1}\n{oops\n'),
                                     _train(w / "t.jsonl")),
                      "{w}/t.jsonl: line 2: invalid JSON (Expecting property name enclosed in "
                      "double quotes)"),
    "a column named twice": (lambda w: _train(_csv(w, "text,label,text\nfine,pos,x\n")),
                             "{w}/t.csv: the header names 'text' more than once; rename the "
                             "repeated columns"),
    "a label column named twice": (lambda w: _train(_csv(w, "text,label,label\nfine,pos,neg\n")),
                                   "{w}/t.csv: the header names 'label' more than once; rename "
                                   "the repeated columns"),
    "a stray label": (lambda w: _train(_csv(w, "text,label\n" + "good,pos\nbad,neg\n" * 10
                                             + "so-so,neutral\n")),
                      "{w}/t.csv: class 'neutral' has 1 example; every class needs at least 8 "
                      "(--min-class-size lowers the limit)"),
    "a label that looks missing": (lambda w: _train(_csv(w, "text,label\ngood,pos\nbad,NA\n")),
                                   "{w}/t.csv: row 2: label 'NA' in column 'label' looks like a "
                                   "missing value; give the row its label or leave the row out"),
    "a Windows-1252 table": (lambda w: then((w / "t.csv").write_bytes(b"text,label\ncaf\xe9,pos\n"),
                                            _train(w / "t.csv")),
                             "{w}/t.csv: not UTF-8 text (invalid continuation byte at byte 14); it "
                             "looks like Windows-1252: read it with --encoding cp1252"),
    "a finished run resumed": (lambda w: then((w / "out").mkdir(), _train(w / "reviews", "--resume")),
                               "out: that run finished, so there is nothing to resume; its model "
                               "is complete (pass --overwrite without --resume only to train it "
                               "again)"),
}


# failing in the data (the tables before TensorFlow loads), after the encoder loads, and offline
FRESH_PROCESS = {"non-UTF-8 file", "an encoder URL without network", "a column named twice",
                 "a label column named twice", "a stray label", "a label that looks missing",
                 "a Windows-1252 table"}


@pytest.mark.parametrize("case", CASES)
def test_bad_training_input(case, work, capfd):
    make_args, message = CASES[case]
    here = None if case in FRESH_PROCESS else capfd
    assert refused(work, *make_args(work), capfd=here) == message.format(w=work)


@pytest.mark.parametrize("extra, env, message", [
    (["--strategy", "gpu-cluster"], {},
     "--strategy must be one of default, mirrored, multiworker, tpu (got 'gpu-cluster')"),
    (["--freeze", "last-9"], {}, "--freeze last-9: the encoder has only 2 transformer blocks"),
    (["--freeze", "half"], {},
     "--freeze must be none, encoder, all-but-pooler or last-N with N >= 1 (got 'half')"),
    (["--mode", "features", "--freeze", "encoder"], {},
     "--mode features freezes the whole encoder by itself; drop --freeze"),
    (["--strategy", "multiworker"], {"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:1"]'},
     "TF_CONFIG is not valid JSON (Expecting ',' delimiter at character 38)"),
    (["--strategy", "multiworker"], {"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:1"]}, '
                                                  '"task": {"type": "worker", "index": 3}}'},
     'TF_CONFIG "task.index" must be an integer in [0, 1) for job \'worker\' (got 3)'),
    (["--precision", "float16"], {},
     "--precision must be one of auto, float32, mixed_float16, mixed_bfloat16 (got 'float16')"),
    (["--class-weight", "inverse"], {}, "--class-weight must be one of balanced (got 'inverse')"),
])
def test_bad_recipe_options_fail_in_one_line_and_write_nothing(tiny_encoder, small_reviews,
                                                               tmp_path, capfd, extra, env, message):
    here = None if extra[:2] == ["--freeze", "last-9"] else capfd  # fails after the encoder loads
    assert refused(tmp_path, "train", small_reviews, "--encoder", tiny_encoder, "--epochs", "1",
                   "--out", tmp_path / "out", "--quiet", *extra, env=env, capfd=here) == message


PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # <linux/prctl.h>, capability.h


def _without_root_file_access() -> None:
    """In the child before exec: drop root's right to ignore file permissions, so that a
    read-only folder is read-only to it as to any user (it still owns every file root owns)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_output_inside_a_read_only_folder_keeps_nothing(work, tiny_encoder):
    (work / "ro").mkdir(mode=0o555)
    as_user = {"preexec_fn": _without_root_file_access} if os.geteuid() == 0 else {}
    assert refused(work, "train", work / "reviews/train", "--encoder", tiny_encoder, "--epochs",
                   "1", "--quiet", "--out", work / "ro" / "model", code=1, **as_user) == (
        f"{work / 'ro' / 'model.partial'}: Permission denied (while writing {work / 'ro' / 'model'}"
        "; nothing was kept)")
