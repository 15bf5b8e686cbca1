"""Loading folders of class subfolders and CSV/TSV/JSONL tables; label order."""

import numpy as np

from tfsenti.data.loaders import dataset_splits, load_dataset


def test_folder_in_aclimdb_layout(small_reviews):
    data = load_dataset(small_reviews / "train")
    assert data.class_names == ["neg", "pos"] and len(data) == 48 and data.name == "reviews"
    assert np.bincount(data.labels).tolist() == [24, 24]
    first_pos = (small_reviews / "train" / "pos" / "0000.txt").read_text(encoding="utf-8")
    assert data.texts[data.labels.tolist().index(1)] == first_pos
    assert dataset_splits(small_reviews) == {"train": small_reviews / "train",
                                             "test": small_reviews / "test"}


def test_tables_and_label_order(tmp_path):
    (tmp_path / "a.tsv").write_text("sentence\tlabel\nfine film\t10\nawful\t9\nok\t2\n", encoding="utf-8")
    data = load_dataset(tmp_path / "a.tsv")
    assert data.class_names == ["2", "9", "10"]  # integers sort numerically
    assert data.labels.tolist() == [2, 1, 0] and data.texts[0] == "fine film"
    (tmp_path / "b.jsonl").write_text('{"text": "good \\"quoted\\"", "label": "pos"}\n\n'
                                      '{"text": "bad", "label": "neg"}\n', encoding="utf-8")
    data = load_dataset(tmp_path / "b.jsonl")
    assert data.class_names == ["neg", "pos"] and data.texts == ['good "quoted"', "bad"]
    (tmp_path / "c.csv").write_text('review,stars\n"Great, really",pos\nmeh,neg\n', encoding="utf-8")
    data = load_dataset(tmp_path / "c.csv", "review", "stars", class_names=["neg", "pos"])
    assert data.texts[0] == "Great, really" and data.labels.tolist() == [1, 0]
