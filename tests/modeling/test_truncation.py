"""`--truncate head|tail|head+tail` and `--long chunks`: what the model sees of long texts, in the
string model and in the texts tokenized once for training."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub

from tfsenti import TrainConfig
from tfsenti.config import TRUNCATIONS
from tfsenti.data.pipeline import length_grouped_dataset
from tfsenti.modeling.classifier import build_classifier, packed_inputs_model
from tfsenti.modeling.text_inputs import TextToBertInputs, tokenize_and_pack
from tfsenti.modeling.truncation import Windows, head_share, truncate_pieces
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


def test_truncation_keeps_the_first_and_last_pieces_of_every_row_in_its_budget():
    rng = np.random.default_rng(0)
    for trial in range(200):  # rows of 0-11 words of 1-3 pieces, empty rows and tiny budgets too
        rows = [[rng.integers(1, 100, rng.integers(1, 4)).tolist()
                 for _ in range(rng.integers(0, 12))] for _ in range(rng.integers(1, 6))]
        budget, truncate = int(rng.integers(1, 15)), ("tail", "head+tail")[trial % 2]
        head = head_share(budget, truncate)
        cut = truncate_pieces(tf.ragged.constant(rows, tf.int64, ragged_rank=2), budget, truncate)
        flat = [[piece for word in row for piece in word] for row in rows]
        assert cut.merge_dims(1, 2).to_list() == [
            row if len(row) <= budget else row[:head] + row[len(row) - budget + head:] for row in flat]
        assert cut.shape.rank == 3 and cut.flat_values.shape.rank == 1


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


def _windows_of(ids: list[int]) -> list[list[int]]:
    """The windows a text's packed rows hold: each row without [CLS] and [SEP]."""
    return [row[1:-1] for row in ids]


@pytest.mark.parametrize("most", [8, 5, 3])
def test_chunks_cover_a_text_in_overlapping_windows_and_keep_head_and_tail_windows(preprocessor,
                                                                                  most):
    pieces = preprocessor.tokenize(tf.constant([LONG])).merge_dims(1, 2)[0].numpy().tolist()
    windows = Windows.for_seq_len(SEQ_LEN, stride=None, most=most)  # 22 pieces, 11 apart
    ids = tokenize_and_pack([LONG, "dull"], preprocessor, SEQ_LEN, windows=windows).to_list()
    starts = range(0, len(pieces) - 22 + 11, 11)  # the last window reaches the end
    every = [pieces[s:s + 22] for s in starts]
    assert len(every) == 8 and every[-1][-1] == pieces[-1]
    head = (most + 3) // 4  # the first quarter and the last three quarters of the windows
    assert _windows_of(ids[0]) == every[:head] + every[len(every) - (most - head):]
    assert ids[0][0][0] == 101 and ids[0][-1][-1] == 102 and len(ids[1]) == 1  # [CLS] .. [SEP]


def test_chunked_training_inputs_equal_the_string_layers_rows(preprocessor):
    windows = Windows.for_seq_len(SEQ_LEN, stride=7, most=4)
    ids = tokenize_and_pack(TEXTS, preprocessor, SEQ_LEN, windows=windows)
    layer = TextToBertInputs(preprocessor, SEQ_LEN, pad_to_longest=False, windows=windows)
    expected = layer(tf.constant(TEXTS))
    rows = ids.merge_dims(0, 1)
    np.testing.assert_array_equal(rows.to_tensor(shape=[rows.nrows(), SEQ_LEN]).numpy(),
                                  expected["input_word_ids"].numpy())
    np.testing.assert_array_equal(ids.value_rowids().numpy(), expected["text_index"].numpy())
    assert ids.row_lengths().numpy().max() == 4  # LONG: 4 of its windows


@pytest.mark.parametrize("chunk_pool", ["mean", "max"])
def test_the_chunked_model_trained_on_packed_windows_predicts_like_the_string_model(
        tiny_encoder, preprocessor, chunk_pool):
    config = TrainConfig(encoder=str(tiny_encoder), seq_len=SEQ_LEN, long="chunks", stride=5,
                         chunk_pool=chunk_pool)
    model = build_classifier(config, 3)
    ids = tokenize_and_pack(TEXTS, preprocessor, SEQ_LEN,
                            windows=Windows.for_seq_len(SEQ_LEN, 5, config.max_chunks))
    packed, got = packed_inputs_model(model), np.zeros((len(TEXTS), 3), np.float32)
    for inputs, index in length_grouped_dataset(ids, np.arange(len(TEXTS)), batch_size=4,
                                                shuffle=True)[0]:
        assert inputs["text_index"].shape[0] == inputs["input_word_ids"].shape[0] >= len(index)
        got[index.numpy()] = packed(inputs).numpy()
    np.testing.assert_allclose(got, model(tf.constant(TEXTS)).numpy(), atol=1e-5)
    embeddings = packed_inputs_model(model, until="pooling")  # rows, one per window
    inputs, _ = next(iter(length_grouped_dataset(ids[-3:-2], np.zeros(1), 1)[0]))
    assert embeddings({k: v for k, v in inputs.items() if k != "text_index"}).shape[0] == 4
