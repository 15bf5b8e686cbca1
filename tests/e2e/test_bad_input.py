"""Bad input: one line naming the file/row/column, exit code 2, nothing written."""

import json
import resource
import shutil

import pytest

from local_server import unused_port_url
from run_cli import failing_run, snapshot
from tfsenti.cli import main


@pytest.fixture
def work(tmp_path, small_reviews, monkeypatch):
    """A scratch folder (cwd) with a copy of the small reviews; default outputs would land here."""
    shutil.copytree(small_reviews, tmp_path / "reviews")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _csv(work, text):
    (work / "t.csv").write_text(text, encoding="utf-8")
    return work / "t.csv"


def then(*steps):
    """Run side effects (already evaluated as arguments); return the last value, the CLI args."""
    return steps[-1]


def _train(*extra):
    return ["train", *extra, "--epochs", "1", "--out", "out"]


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
        "{w}/reviews/train/pos/0003.txt: not UTF-8 text (invalid continuation byte at byte 3)"),
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
                              "subfolders or a .csv, .tsv, .jsonl file"),
    "invalid JSONL": (lambda w: then((w / "t.jsonl").write_text('{"text": "a", "label": 1}\n{oops\n'),
                                     _train(w / "t.jsonl")),
                      "{w}/t.jsonl: line 2: invalid JSON (Expecting property name enclosed in "
                      "double quotes)"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_training_input(case, work, capfd):
    make_args, message = CASES[case]
    args = make_args(work)
    before = snapshot(work)
    assert failing_run(capfd, *args) == "tfsenti: error: " + message.format(w=work)
    assert snapshot(work) == before  # nothing written (no out/, no out.partial/, no saved_models/)


def test_an_encoder_url_without_network_says_what_to_do_offline(work, capfd):
    url = unused_port_url("/bert")
    before = snapshot(work)
    assert failing_run(capfd, *_train(work / "reviews", "--encoder", url)) == (
        f"tfsenti: error: {url}: download failed ([Errno 111] Connection refused); offline, use "
        "the built-in encoder 'minilm-l6', a local encoder folder, or a TFHUB_CACHE_DIR that holds "
        "this model")
    assert snapshot(work) == before


def test_evaluate_with_labels_unseen_in_training(work, capfd, tiny_model):
    (work / "reviews/test/meh").mkdir()
    (work / "reviews/test/meh/1.txt").write_text("so-so", encoding="utf-8")
    assert failing_run(capfd, "evaluate", "--model", tiny_model, work / "reviews/test") == (
        f"tfsenti: error: {work}/reviews/test: class folders ['meh'] were not seen in training "
        "(model classes: ['neg', 'pos'])")
    csv = _csv(work, "text,label\ngood,pos\nbad,awful\n")
    assert failing_run(capfd, "evaluate", "--model", tiny_model, csv) == (
        f"tfsenti: error: {csv}: labels ['awful'] in column 'label' were not seen in training "
        "(model classes: ['neg', 'pos'])")


def test_evaluate_report_folder_is_not_replaced_without_overwrite(work, capfd, tiny_model):
    (work / "report").mkdir()
    (work / "report" / "notes.md").write_text("mine")
    assert failing_run(capfd, "evaluate", "--model", tiny_model, work / "reviews/test", "--report",
               work / "report") == (
        f"tfsenti: error: {work / 'report'}: already exists; pass --overwrite to replace it")
    assert (work / "report" / "notes.md").read_text() == "mine"


def test_a_truncated_model_is_one_line(work, capfd, tiny_model):
    shutil.copytree(tiny_model, work / "model")
    (data,) = (work / "model" / "variables").glob("variables.data-*")
    data.write_bytes(data.read_bytes()[:1000])
    before = snapshot(work)
    assert failing_run(capfd, "predict", "--model", work / "model", "fine") == (
        f"tfsenti: error: {work / 'model'}: the SavedModel could not be read (Read less bytes "
        "than requested); copy or export the model folder again")
    assert snapshot(work) == before


def test_a_full_disk_while_writing_a_report_leaves_nothing(work, tiny_model, capfd):
    before = snapshot(work)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # as a full disk: writes fail (EFBIG)
    try:
        code = main(["evaluate", "--model", str(tiny_model), "reviews/test", "--report", "report",
                     "--quiet"])  # the confusion matrix PNG is larger than 4 KiB
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert code == 1
    assert capfd.readouterr().err.splitlines() == [
        "tfsenti: error: File too large (while writing report; nothing was kept)"]
    assert snapshot(work) == before


def test_predict_with_a_folder_that_is_not_a_model(work, capfd):
    assert failing_run(capfd, "predict", "--model", work, "hi") == (
        f"tfsenti: error: {work}: not an exported tfsenti model (needs saved_model.pb and "
        "config.json)")


def test_predict_file_errors(capfd, tiny_model, tmp_path):
    assert failing_run(capfd, "predict", "--model", tiny_model, "--file", tmp_path / "nope.txt") == (
        f"tfsenti: error: {tmp_path / 'nope.txt'}: no such file")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    assert failing_run(capfd, "predict", "--model", tiny_model, "--file", tmp_path / "latin1.txt") == (
        f"tfsenti: error: {tmp_path / 'latin1.txt'}: not UTF-8 text (invalid continuation byte "
        "at byte 3)")
    (tmp_path / "blank.txt").write_text("a fine film\n   \nawful\n", encoding="utf-8")
    assert failing_run(capfd, "predict", "--model", tiny_model, "--file", tmp_path / "blank.txt") == (
        f"tfsenti: error: {tmp_path / 'blank.txt'}: line 2: empty text "
        "(--skip-empty leaves blank texts out)")
    assert failing_run(capfd, "predict", "--model", tiny_model, "fine", "") == (
        "tfsenti: error: text 2: empty text (--skip-empty leaves blank texts out)")


def test_predict_skips_blank_lines_and_warns_about_texts_without_words(capfd, tiny_model,
                                                                         tmp_path):
    (tmp_path / "texts.txt").write_text("a fine film\n\n\U0001f600\U0001f600\n!!!\n",
                                        encoding="utf-8")
    code = main(["predict", "--model", str(tiny_model), "--file", str(tmp_path / "texts.txt"),
                 "--skip-empty", "--quiet"])
    out, err = capfd.readouterr()
    assert code == 0
    assert [json.loads(line)["text"] for line in out.splitlines()] == [
        "a fine film", "\U0001f600\U0001f600", "!!!"]
    assert err.splitlines() == [
        f"tfsenti: 2 text(s) have no letter or digit, so the model sees only unknown tokens or "
        f"punctuation (first: {tmp_path / 'texts.txt'}: line 3: '\U0001f600\U0001f600'); their "
        "predictions mean little"]


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
     "--precision must be one of float32, mixed_float16, mixed_bfloat16 (got 'float16')"),
    (["--class-weight", "inverse"], {}, "--class-weight must be one of balanced (got 'inverse')"),
])
def test_bad_recipe_options_fail_in_one_line_and_write_nothing(tiny_encoder, small_reviews,
                                                               tmp_path, monkeypatch, capfd,
                                                               extra, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(["train", str(small_reviews), "--encoder", str(tiny_encoder), "--epochs", "1",
                 "--out", str(tmp_path / "out"), "--quiet", *extra])
    assert code == 2
    assert capfd.readouterr().err.splitlines() == ["tfsenti: error: " + message]
    assert list(tmp_path.iterdir()) == []
