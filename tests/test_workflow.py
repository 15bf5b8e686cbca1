"""The scoring step of `tfsenti train` (`workflow.predict_splits`): logits once, the temperature
fitted on validation, the served probabilities from the exported function's formula."""

import numpy as np

from tfsenti import TrainConfig, load_dataset
from tfsenti.workflow import predict_splits


def test_calibration_changes_probabilities_not_labels_and_can_be_turned_off(tiny_classifiers,
                                                                            small_reviews):
    model = tiny_classifiers[0]
    data = load_dataset(small_reviews / "train")
    splits = dict(zip(("train", "validation"), data.split(0.5, seed=0)))
    splits["test"] = load_dataset(small_reviews / "test")
    calibrated, probabilities = predict_splits(model, splits, TrainConfig(), progress=False)
    assert calibrated.temperature > 0 and calibrated.temperature != 1.0
    for split in ("validation", "test"):
        served, before = probabilities[split]["served"], probabilities[split]["uncalibrated"]
        assert served.shape == (len(splits[split]), 2)
        assert (served.argmax(-1) == before.argmax(-1)).all()
        assert not np.allclose(served, before)
    np.testing.assert_allclose(calibrated.predict(splits["test"].texts).probabilities,
                               probabilities["test"]["served"], atol=1e-6)

    plain, untouched = predict_splits(model, splits, TrainConfig(calibrate="none"), progress=False)
    assert plain.temperature is None and set(untouched["test"]) == {"served"}
    np.testing.assert_allclose(untouched["test"]["served"], probabilities["test"]["uncalibrated"],
                               atol=1e-6)


def test_threshold_for_is_chosen_on_validation_and_refused_for_three_classes(tiny_classifiers,
                                                                             small_reviews,
                                                                             tmp_path):
    import pytest

    from tfsenti.errors import ConfigError
    from tfsenti.workflow import load_splits

    data = load_dataset(small_reviews / "train")
    splits = dict(zip(("train", "validation"), data.split(0.5, seed=0)))
    classifier, probabilities = predict_splits(tiny_classifiers[0], splits,
                                               TrainConfig(threshold_for="recall=1"), False)
    positive = probabilities["validation"]["served"][splits["validation"].labels == 1, 1]
    assert classifier.decision_threshold == pytest.approx(positive.min())
    three = tmp_path / "three.csv"
    three.write_text("text,label\n" + "".join(f"text {i},{'abc'[i % 3]}\n" for i in range(30)))
    with pytest.raises(ConfigError, match="threshold_for applies to two classes; .*three.csv has 3"):
        load_splits(TrainConfig(threshold_for="precision=0.9"), three, None, None)


def test_the_held_out_split_is_capped_unless_val_split_is_given(tmp_path, caplog, monkeypatch):
    import logging

    from tfsenti.training import splits as run_data

    monkeypatch.setattr("tfsenti.training.plan.VAL_CAP", 1_000)  # 10,000 in use: 10x the rows
    table = tmp_path / "big.tsv"
    table.write_text("text\tlabel\n" + "".join(f"review {i}\t{i % 2}\n" for i in range(12_000)))
    with caplog.at_level(logging.INFO, logger="tfsenti"):
        splits = run_data.load_splits(TrainConfig(), table, None, None)
    assert (len(splits["train"]), len(splits["validation"])) == (11_000, 1_000)
    assert np.bincount(splits["validation"].labels).tolist() == [500, 500]
    assert "validation: 1,000 of the 12,000 training texts (8.3%" in caplog.text
    splits = run_data.load_splits(TrainConfig(val_split=0.1), table, None, None)
    assert len(splits["validation"]) == 1_200
