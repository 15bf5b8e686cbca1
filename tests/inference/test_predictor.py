"""`Classifier.predict`: batches by length, answers in input order."""

import numpy as np

from tfsenti.inference.predictor import Classifier
from varied_text import varied_sentences

TEXTS = varied_sentences(60, seed=5) + ["word " * 400, "", "a fine film"]


def test_predict_sorts_by_length_internally_and_returns_input_order(tiny_classifiers):
    dynamic, _ = tiny_classifiers
    classifier = Classifier.from_model(dynamic, ["neg", "pos"])
    together = classifier.predict(TEXTS, batch_size=7)
    one_by_one = np.concatenate([classifier.predict([t]).probabilities for t in TEXTS])
    np.testing.assert_allclose(together.probabilities, one_by_one, atol=1e-5)
    assert together.labels == [["neg", "pos"][i] for i in one_by_one.argmax(axis=1)]
    assert classifier.predict([]).probabilities.shape == (0, 2)
