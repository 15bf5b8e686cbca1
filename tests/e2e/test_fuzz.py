"""Fuzzing: random unicode mixes through `Classifier.predict`, and random byte strings (what a
TF Serving client may send) through the exported signature, never crash and always give
probabilities that sum to 1."""

import random

import numpy as np
import tensorflow as tf

from tfsenti.inference.predictor import load
from varied_text import PIECES


def unicode_mixes(count: int, seed: int) -> list[str]:
    """Texts of random code points from every plane (surrogates excluded) and of tricky pieces."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        if rng.random() < 0.5:
            points = [rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF),
                                  rng.randint(0xE000, 0x10FFFF)]) for _ in range(rng.randint(1, 80))]
            texts.append("".join(map(chr, points)))
        else:
            texts.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))))
    return texts


def random_bytes(count: int, seed: int) -> list[bytes]:
    """Byte strings, most of them not valid UTF-8."""
    rng = random.Random(seed)
    return [rng.randbytes(rng.randint(0, 300)) for _ in range(count)]


def test_random_texts_never_crash_predict_and_probabilities_sum_to_one(tiny_export):
    classifier = load(tiny_export)
    texts = unicode_mixes(500, seed=11)
    probabilities = classifier.predict(texts, batch_size=50).probabilities
    assert probabilities.shape == (500, 2) and np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_random_bytes_never_crash_the_exported_signature(tiny_export):
    serve = tf.saved_model.load(str(tiny_export)).signatures["serving_default"]
    texts = random_bytes(500, seed=12)
    for start in range(0, len(texts), 50):
        out = serve(text=tf.constant(texts[start:start + 50], dtype=tf.string))
        probabilities = out["probabilities"].numpy()
        assert probabilities.shape == (len(texts[start:start + 50]), 2)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        assert set(out["label_id"].numpy().tolist()) <= {0, 1}
