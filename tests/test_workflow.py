"""The scoring step of `tfsenti train` (`workflow.predict_splits`): logits once, the temperature
fitted on validation, the served probabilities from the exported function's formula."""

import numpy as np

from tfsenti import load_dataset
from tfsenti.workflow import predict_splits


def test_calibration_changes_probabilities_not_labels_and_can_be_turned_off(tiny_classifiers,
                                                                            small_reviews):
    model = tiny_classifiers[0]
    data = load_dataset(small_reviews / "train")
    splits = dict(zip(("train", "validation"), data.split(0.5, seed=0)))
    splits["test"] = load_dataset(small_reviews / "test")
    calibrated, probabilities = predict_splits(model, splits, "temperature", progress=False)
    assert calibrated.temperature > 0 and calibrated.temperature != 1.0
    for split in ("validation", "test"):
        served, before = probabilities[split]["served"], probabilities[split]["uncalibrated"]
        assert served.shape == (len(splits[split]), 2)
        assert (served.argmax(-1) == before.argmax(-1)).all()
        assert not np.allclose(served, before)
    np.testing.assert_allclose(calibrated.predict(splits["test"].texts).probabilities,
                               probabilities["test"]["served"], atol=1e-6)

    plain, untouched = predict_splits(model, splits, "none", progress=False)
    assert plain.temperature is None and set(untouched["test"]) == {"served"}
    np.testing.assert_allclose(untouched["test"]["served"], probabilities["test"]["uncalibrated"],
                               atol=1e-6)
