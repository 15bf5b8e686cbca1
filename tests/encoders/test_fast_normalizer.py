"""The TFLite-convertible normaliser equals the preprocessor's normalisation on every character
and on whole sentences, cased and uncased."""

import pytest
import tensorflow as tf
import tensorflow_text as text

from tfsenti.encoders.fast_normalizer import fast_normalizer
from tfsenti.encoders.preprocess import normalize
from varied_text import varied_sentences


@pytest.mark.parametrize("lower_case", [True, False])
def test_fast_normalizer_equals_normalize_on_every_character_and_varied_sentences(lower_case):
    characters = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    texts = tf.constant(characters + varied_sentences(500))
    ours = fast_normalizer(lower_case).normalize(texts).numpy()
    expected = normalize(texts, lower_case).numpy()
    differing = [(t, a, b) for t, a, b in zip(texts.numpy(), ours, expected) if a != b]
    assert differing == []


def test_the_stock_normalizer_differs_which_is_why_the_table_is_rebuilt():
    texts = tf.constant(["\ufb01ne \uff21\uff22\uff23 \u2026"])
    stock = text.FastBertNormalizer(lower_case_nfd_strip_accents=True).normalize(texts)
    assert stock.numpy()[0] == b"fine abc ..."
    ours = fast_normalizer(True).normalize(texts).numpy()[0]
    assert ours.decode() == "\ufb01ne \uff41\uff42\uff43 \u2026"  # as the checkpoint's tokenizer
