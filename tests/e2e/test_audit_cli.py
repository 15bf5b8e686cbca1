"""`tfsenti audit`: a table with wrong labels in, `label_issues.csv` out, on the tiny encoder (the
rule's own results are tested against cleanlab's in tests/evaluation/test_label_issues.py, and
its power on real data is measured by benchmarks/label_noise.py)."""

import csv

import pytest

from run_cli import refused, run_here
from sample_data import aspect_rows, write_table

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


@pytest.mark.parametrize("negatives, args, message", [
    (20, ("--folds", "1"), "--folds must be at least 2 (got 1)"),
    # 4 folds leave 3/4 of a class to train on, less 10% for validation: 8 need 13
    (12, (), "few.tsv: class 'neg' has 12 examples; every class needs at least 13"),
    (3, ("--min-class-size", "2"), "few.tsv: class 'neg' has 3 examples; every class needs at "
                                    "least 4"),
    (20, ("--label-separator", "|"), "few.tsv: audit takes single-label data"),
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
