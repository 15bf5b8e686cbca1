"""`--truncate head|tail|head+tail`: what the model sees of long texts, in the string model and
in the texts tokenized once for training."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub

from tfsenti import TrainConfig
from tfsenti.config import TRUNCATIONS
from tfsenti.data.pipeline import length_grouped_dataset
from tfsenti.modeling.classifier import build_classifier, packed_inputs_model
from tfsenti.modeling.text_inputs import TextToBertInputs, tokenize_and_pack
from varied_text import varied_sentences

SEQ_LEN = 24  # budget 22 word pieces: head+tail keeps the first 6 and the last 16
LONG = " ".join(f"{word} {n}" for n, word in enumerate(["film", "plot", "cast", "music"] * 12))


@pytest.fixture(scope="module")
def preprocessor(tiny_encoder):
    return hub.load(str(tiny_encoder / "preprocess"))


@pytest.mark.parametrize("truncate, head, tail", [("head", 22, 0), ("tail", 0, 22),
                                                  ("head+tail", 6, 16)])
def test_the_string_input_layer_keeps_the_chosen_tokens(preprocessor, truncate, head, tail):
    pieces = preprocessor.tokenize(tf.constant([LONG])).merge_dims(1, 2)[0].numpy().tolist()
    assert len(pieces) > 40
    layer = TextToBertInputs(preprocessor, SEQ_LEN, pad_to_longest=False, truncate=truncate)
    ids = layer(tf.constant([LONG, "a fine film"]))["input_word_ids"].numpy()
    kept = pieces[:head] + (pieces[-tail:] if tail else [])
    assert ids.shape == (2, SEQ_LEN)
    assert ids[0, 1:-1].tolist() == kept and ids[0, 0] == ids[1, 0]  # [CLS] kept pieces [SEP]
    short = preprocessor.tokenize(tf.constant(["a fine film"])).merge_dims(1, 2)[0].numpy().tolist()
    assert ids[1][1:4].tolist() == short  # texts within the budget are left whole


TEXTS = varied_sentences(20, seed=9) + [LONG, LONG[::-1], "dull"]


@pytest.mark.parametrize("truncate", TRUNCATIONS)
def test_training_inputs_are_cut_like_the_string_input_layer(preprocessor, truncate):
    ids = tokenize_and_pack(TEXTS, preprocessor, SEQ_LEN, truncate)
    layer = TextToBertInputs(preprocessor, SEQ_LEN, pad_to_longest=False, truncate=truncate)
    np.testing.assert_array_equal(ids.to_tensor(shape=[len(TEXTS), SEQ_LEN]).numpy(),
                                  layer(tf.constant(TEXTS))["input_word_ids"].numpy())


def test_the_model_trained_on_packed_ids_predicts_like_the_string_model(tiny_encoder, preprocessor):
    model = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=SEQ_LEN,
                                         truncate="head+tail"), 2)
    texts = TEXTS
    ids = tokenize_and_pack(texts, preprocessor, SEQ_LEN, "head+tail")
    packed, got = packed_inputs_model(model), np.zeros((len(texts), 1), np.float32)
    for inputs, index in length_grouped_dataset(ids, np.arange(len(texts)), batch_size=4)[0]:
        got[index.numpy()] = packed(inputs).numpy()
    np.testing.assert_allclose(got, model(tf.constant(texts)).numpy(), atol=1e-5)
