"""`tfsenti audit`: a table with wrong labels in, `label_issues.csv` out, on the tiny encoder (the
rule's own results are tested against cleanlab's in tests/evaluation/test_label_issues.py, and
its power on real data is measured by benchmarks/label_noise.py)."""

import csv

import pytest

from run_cli import refused, run_here
from sample_data import aspect_rows, topic_rows, write_jsonl, write_table

FAST = ("--epochs", "1", "--seq-len", "32", "--batch-size", "16", "--deterministic")


@pytest.fixture(scope="module")
def pairs_table(tmp_path_factory):
    return write_table(tmp_path_factory.mktemp("audit") / "aspects.tsv", aspect_rows(80, seed=5))


def test_audit_writes_the_doubted_labels_most_doubtful_first(pairs_table, tiny_encoder, tmp_path,
                                                             capfd):
    out = tmp_path / "issues.csv"
    result = run_here(capfd, "audit", pairs_table, "--pair-column", "aspect", "--folds", "2",
                      "--encoder", tiny_encoder, "--small-data", "off", *FAST, "--out", out,
                      "--quiet")
    assert result.returncode == 0, result.stderr
    assert "audited 80 texts in 2 folds" in result.stdout and f"all of them: {out}" in result.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["source", "text", "text_pair", "given", "suggested", "confidence",
                             "p_neg", "p_pos"]
    table = list(csv.DictReader(pairs_table.open(encoding="utf-8"), delimiter="\t"))
    for row in rows:
        source = table[int(row["source"].removeprefix("row ")) - 1]  # rows count from 1
        assert (row["text"], row["text_pair"], row["given"]) == (
            source["text"], source["aspect"], source["label"])
        assert row["suggested"] != row["given"]
        assert float(row["confidence"]) == float(row[f"p_{row['suggested']}"]) > 0.5
    doubt = [float(row[f"p_{row['given']}"]) for row in rows]
    assert doubt == sorted(doubt)
    assert f"{len(rows)} text" in result.stdout


def test_audit_doubts_the_labels_of_multi_label_data_one_by_one(tiny_encoder, tmp_path, capfd):
    rows = topic_rows(80, seed=2)
    for row in rows[:6]:  # six texts lose a topic they talk about
        row["label"] = row["label"][1:]
    table = write_jsonl(tmp_path / "topics.jsonl", rows)
    out = tmp_path / "issues.csv"
    result = run_here(capfd, "audit", table, "--folds", "2", "--encoder", tiny_encoder, *FAST,
                      "--lr", "1e-3", "--epochs", "4", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        flagged = list(reader)
    assert reader.fieldnames == ["source", "text", "given", "suggested", "confidence", "p_food",
                                 "p_price", "p_service"]
    assert flagged and f"{len(flagged)} text" in result.stdout
    doubts = []
    for row in flagged:
        given, suggested = (set(filter(None, row[key].split("|"))) for key in ("given", "suggested"))
        assert given == set(rows[int(row["source"].removeprefix("row ")) - 1]["label"])
        turned = given ^ suggested  # the doubted labels, each turned over
        assert turned, row
        sure = [float(row[f"p_{t}"]) if t in suggested else 1 - float(row[f"p_{t}"])
                for t in turned]
        assert float(row["confidence"]) == pytest.approx(min(sure), abs=1e-4)
        doubts.append(1 - max(sure))  # the given value's probability, of the most doubted label
    assert doubts == sorted(doubts)


@pytest.mark.parametrize("negatives, args, message", [
    (20, ("--folds", "1"), "--folds must be at least 2 (got 1)"),
    # 4 folds leave 3/4 of a class to train on, less 10% for validation: 8 need 13
    (12, (), "few.tsv: class 'neg' has 12 examples; every class needs at least 13"),
    (3, ("--min-class-size", "2"), "few.tsv: class 'neg' has 3 examples; every class needs at "
                                    "least 4"),
])
def test_audit_refuses_in_one_line(tiny_encoder, tmp_path, capfd, negatives, args, message):
    table = write_table(tmp_path / "few.tsv", [
        *({"text": f"a dull film, number {i}", "label": "neg"} for i in range(negatives)),
        *({"text": f"a fine film, number {i}", "label": "pos"} for i in range(20))])
    assert message in refused(tmp_path, "audit", table, "--encoder", tiny_encoder, *args,
                              "--quiet", capfd=capfd)


def test_audit_leaves_an_existing_table_alone(small_reviews, tmp_path, capfd):
    (tmp_path / "label_issues.csv").write_text("mine\n")
    assert refused(tmp_path, "audit", small_reviews / "train", capfd=capfd) == (
        "label_issues.csv already exists; pass --overwrite to replace it")
