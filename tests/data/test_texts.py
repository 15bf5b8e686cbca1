"""LabeledTexts: the stratified, seeded validation split."""

import numpy as np

from tfsenti.data.loaders import load_dataset


def test_stratified_split_is_seeded_and_keeps_class_balance(small_reviews):
    data = load_dataset(small_reviews / "train")
    train, val = data.split(0.25, seed=3)
    assert len(train) == 36 and len(val) == 12
    assert np.bincount(val.labels).tolist() == [6, 6]
    again, _ = data.split(0.25, seed=3)
    other, _ = data.split(0.25, seed=4)
    assert train.texts == again.texts and train.texts != other.texts
    assert not set(train.texts) & set(val.texts)
