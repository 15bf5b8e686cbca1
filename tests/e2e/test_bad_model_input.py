"""Bad input to the commands that read a trained model (predict, evaluate, export), as a user
meets it. Each case: the exact error line as the only stderr line, the exit code, nothing on
stdout, and the working folder unchanged. Most cases run in this process; a model TensorFlow
cannot read and a full disk run `python -m tfsenti ...` in a fresh process, so TensorFlow's
native log lines, warnings and anything printed at exit would show. Bad training input:
test_bad_input.py."""

import json
import resource
import shutil

import pytest

from run_cli import refused, run_here


@pytest.fixture
def work(tmp_path, small_reviews, tiny_model):
    """A scratch folder (the command's cwd) with the small reviews and the tiny model."""
    shutil.copytree(small_reviews, tmp_path / "reviews")
    shutil.copytree(tiny_model, tmp_path / "model")
    return tmp_path


def test_evaluate_with_labels_unseen_in_training(work, capfd):
    (work / "reviews/test/meh").mkdir()
    (work / "reviews/test/meh/1.txt").write_text("so-so", encoding="utf-8")
    assert refused(work, "evaluate", "--model", "model", work / "reviews/test", capfd=capfd) == (
        f"{work}/reviews/test: class folders ['meh'] were not seen in training (model classes: "
        "['neg', 'pos'])")
    (work / "unseen.csv").write_text("text,label\ngood,pos\nbad,awful\n", encoding="utf-8")
    assert refused(work, "evaluate", "--model", "model", work / "unseen.csv", capfd=capfd) == (
        f"{work / 'unseen.csv'}: labels ['awful'] in column 'label' were not seen in training "
        "(model classes: ['neg', 'pos'])")


def test_evaluate_report_folder_is_not_replaced_without_overwrite(work, capfd):
    (work / "report").mkdir()
    (work / "report" / "notes.md").write_text("mine")
    assert refused(work, "evaluate", "--model", "model", "reviews/test", "--report", "report",
                   capfd=capfd) == (
        "report: already exists; pass --overwrite to replace it")


def test_a_full_disk_while_writing_a_report_leaves_nothing(work):
    import matplotlib.font_manager  # noqa: F401  (its font cache exists before writes fail)

    def full_disk() -> None:  # in the child: writes past 4 KiB fail (EFBIG), as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    # the confusion matrix PNG is larger than 4 KiB
    assert refused(work, "evaluate", "--model", "model", "reviews/test", "--report", "report",
                   "--quiet", code=1, preexec_fn=full_disk) == (
        "File too large (while writing report; nothing was kept)")


def test_a_truncated_model_is_one_line(work):
    shutil.copytree(work / "model", work / "broken")
    (data,) = (work / "broken" / "variables").glob("variables.data-*")
    data.write_bytes(data.read_bytes()[:1000])
    assert refused(work, "predict", "--model", "broken", "fine") == (
        "broken: the SavedModel could not be read (Read less bytes than requested); copy or "
        "export the model folder again")


def test_predict_with_a_folder_that_is_not_a_model(work, capfd):
    assert refused(work, "predict", "--model", "reviews", "hi", capfd=capfd) == (
        "reviews: not an exported tfsenti model (needs saved_model.pb and config.json)")


@pytest.mark.parametrize("file, content, message", [
    ("nope.txt", None, "nope.txt: no such file"),
    ("latin1.txt", b"caf\xe9\n", "latin1.txt: not UTF-8 text (invalid continuation byte at byte 3)"),
    ("blank.txt", b"a fine film\n   \nawful\n",
     "blank.txt: line 2: empty text (--skip-empty leaves blank texts out)"),
])
def test_predict_file_errors(work, capfd, file, content, message):
    if content is not None:
        (work / file).write_bytes(content)
    assert refused(work, "predict", "--model", "model", "--file", file, capfd=capfd) == message


def test_predict_refuses_an_empty_text_argument(work, capfd):
    assert refused(work, "predict", "--model", "model", "fine", "", capfd=capfd) == (
        "text 2: empty text (--skip-empty leaves blank texts out)")


def test_a_tflite_file_that_exists_is_not_replaced(work, capfd):
    (work / "taken.tflite").write_bytes(b"")
    assert refused(work, "export", "--model", "model", "--format", "tflite", "--out",
                   "taken.tflite", capfd=capfd) == (
        "taken.tflite: already exists; pass --overwrite to replace it")


def test_predict_reads_a_line_holding_u0085_as_one_text(work, capfd):
    (work / "texts.txt").write_text("a slow start\x85 then gripping\ndull\n", encoding="utf-8")
    result = run_here(capfd, "predict", "--model", "model", "--file", "texts.txt", "--quiet", cwd=work)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert [r["text"] for r in records] == ["a slow start\x85 then gripping", "dull"]


def test_predict_skips_blank_lines_and_warns_about_texts_without_words(work, capfd):
    (work / "texts.txt").write_text("a fine film\n\n\U0001f600\U0001f600\n!!!\n", encoding="utf-8")
    result = run_here(capfd, "predict", "--model", "model", "--file", "texts.txt", "--skip-empty",
                      "--quiet", cwd=work)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == [
        "a fine film", "\U0001f600\U0001f600", "!!!"]
    assert result.stderr.splitlines() == [
        "tfsenti: 2 text(s) have no letter or digit, so the model sees only unknown tokens or "
        "punctuation (first: texts.txt: line 3: '\U0001f600\U0001f600'); their predictions mean "
        "little"]
