"""Scoring a table as it streams: every input row out once, with its columns and predictions;
an interrupted run resumed gives the file an uninterrupted run gives."""

import csv
import gzip
import json

import pytest

from run_cli import refused, run_here
from tfsenti import load
from tfsenti.inference import batch_scoring
from tfsenti.inference.batch_scoring import score_table

REVIEWS = ["A joy from start to finish.", "Dull and far too long.", "", "Great cast, weak plot.",
           "I walked out.", "  ", "Lovely.", "Not for me."]


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "reviews.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "Review", "label"])
        writer.writerows([i, text, "pos"] for i, text in enumerate(REVIEWS))
    return path


def _rows(path):
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_every_row_comes_out_once_with_its_columns_and_predictions(tiny_model, table, tmp_path):
    classifier = load(tiny_model)
    done = score_table(classifier, table, tmp_path / "scored.csv")
    assert (done.rows, done.empty) == (8, 2)
    rows = _rows(tmp_path / "scored.csv")
    assert list(rows[0]) == ["id", "Review", "label", "predicted_label", "p_neg", "p_pos", "error"]
    assert [row["id"] for row in rows] == [str(i) for i in range(8)]
    assert [row["Review"] for row in rows] == REVIEWS  # found ignoring case, kept as given
    expected = classifier.predict([t for t in REVIEWS if t.strip()])
    scored = [row for row in rows if not row["error"]]
    assert [row["predicted_label"] for row in scored] == expected.labels
    for row, probabilities in zip(scored, expected.probabilities):
        assert [float(row["p_neg"]), float(row["p_pos"])] == pytest.approx(probabilities, abs=1e-6)
    assert [row["error"] for row in rows if not row["predicted_label"]] == ["empty text"] * 2
    assert not (tmp_path / "scored.csv.partial").exists()


def test_jsonl_in_gzip_and_out(tiny_model, tmp_path):
    with gzip.open(tmp_path / "in.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps({"text": t, "stars": [i]}) + "\n" for i, t in enumerate(REVIEWS))
    score_table(load(tiny_model), tmp_path / "in.jsonl.gz", tmp_path / "out.jsonl")
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["stars"] for r in records] == [[i] for i in range(8)]
    assert records[2]["label"] is None and records[2]["error"] == "empty text"
    assert records[0]["error"] is None and records[0]["p_neg"] + records[0]["p_pos"] == (
        pytest.approx(1, abs=1e-5))


def test_an_interrupted_run_resumes_where_it_stopped(tiny_model, table, tmp_path, monkeypatch):
    classifier = load(tiny_model)
    score_table(classifier, table, tmp_path / "whole.csv")
    monkeypatch.setattr(batch_scoring, "CHUNK", 3)
    calls = []

    def stop_on_the_second_chunk(texts, *args, **kwargs):
        calls.append(texts)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return type(classifier).predict(classifier, texts, *args, **kwargs)

    monkeypatch.setattr(classifier, "predict", stop_on_the_second_chunk)
    with pytest.raises(KeyboardInterrupt) as stopped:
        score_table(classifier, table, tmp_path / "resumed.csv")
    partial = tmp_path / "resumed.csv.partial"
    assert stopped.value.__notes__ == [f"3 rows scored into {partial}; the same command with "
                                       "--resume continues"]
    assert len(_rows(partial)) == 3 and not (tmp_path / "resumed.csv").exists()
    with partial.open("a", encoding="utf-8") as f:
        f.write("5,half a row wri")  # killed in the middle of the next chunk's write
    monkeypatch.undo()
    done = score_table(classifier, table, tmp_path / "resumed.csv", resume=True)
    assert done.rows == 8
    assert (tmp_path / "resumed.csv").read_text() == (tmp_path / "whole.csv").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resumed.csv", "reviews.csv",
                                                          "whole.csv"]


def test_predict_file_reads_a_table_as_a_table(tiny_model, table, tmp_path, capfd):
    result = run_here(capfd, "predict", "--model", tiny_model, "--file", table, "--quiet")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["Review"] for r in records] == REVIEWS and "text,label" not in result.stdout
    out = tmp_path / "out.tsv"
    result = run_here(capfd, "predict", "--model", tiny_model, "--file", table, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"scored 8 rows of {table} into {out}")
    assert "2 without text (column 'error' says so)" in result.stdout
    assert len(out.read_text().splitlines()) == 9


def test_a_parquet_table_is_scored_in_order_into_a_csv(tiny_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": list(range(8)), "text": REVIEWS}), tmp_path / "in.parquet")
    done = score_table(load(tiny_model), tmp_path / "in.parquet", tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert done.rows == 8 and [row["id"] for row in rows] == [str(i) for i in range(8)]
    assert [row["text"] for row in rows] == REVIEWS


@pytest.mark.parametrize("args, message", [
    (("--out", "{w}/reviews.csv"), "{w}/reviews.csv already exists; pass --overwrite to replace it"),
    (("--out", "{w}/scores.csv.gz"), "{w}/scores.csv.gz: write the scores to a .csv, .tsv or "
                                     ".jsonl file"),
    (("--out", "{w}/scores.parquet"), "{w}/scores.parquet: write the scores to a .csv, .tsv or "
                                      ".jsonl file"),
    (("--text-column", "body"), "{w}/reviews.csv: no column 'body' (columns: ['id', 'Review', "
                                "'label'])"),
    (("--resume",), "--resume continues a table scored into --out: name it"),
])
def test_predict_table_refuses_in_one_line(tiny_model, table, tmp_path, capfd, args, message):
    args = [a.format(w=tmp_path) for a in args]
    assert refused(tmp_path, "predict", "--model", tiny_model, "--file", table, *args,
                   capfd=capfd) == message.format(w=tmp_path)
