"""The converted preprocessor: TF-Hub interface, known answers, parity with the HF tokenizer."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401  (registers the ops the SavedModel uses)
from tokenizers import Tokenizer

from varied_text import varied_sentences


@pytest.fixture(scope="module")
def preprocess(tiny_encoder):
    """A converted preprocessor of the default encoder's uncased vocabulary (the tiny test
    encoder shares it)."""
    return hub.load(str(tiny_encoder / "preprocess"))


def test_known_answer_matches_public_bert_en_uncased_preprocess(preprocess):
    out = preprocess(tf.constant(["this is such an amazing movie!"]))
    assert set(out) == {"input_word_ids", "input_mask", "input_type_ids"}
    for value in out.values():
        assert value.shape == (1, 128) and value.dtype == tf.int32
    np.testing.assert_array_equal(out["input_word_ids"][0, :12],
                                  [101, 2023, 2003, 2107, 2019, 6429, 3185, 999, 102, 0, 0, 0])
    assert int(tf.reduce_sum(out["input_mask"])) == 9
    assert int(tf.reduce_sum(out["input_type_ids"])) == 0


def test_token_ids_equal_hugging_face_tokenizer_on_2000_varied_sentences(preprocess, hf_dir):
    oracle = Tokenizer.from_file(str(hf_dir / "tokenizer.json"))
    oracle.no_truncation()
    oracle.no_padding()
    sentences = varied_sentences(2000)
    ours = preprocess.tokenize(tf.constant(sentences)).merge_dims(1, 2).to_list()
    mismatches = [(s, ids) for s, ids in zip(sentences, ours)
                  if ids != oracle.encode(s, add_special_tokens=False).ids]
    assert mismatches == []
    assert ours[0] == []  # the empty string
    assert any(100 in ids for ids in ours)  # [UNK] for over-long words and unknown symbols


def test_bert_pack_inputs_two_segments_round_robin(preprocess):
    a = preprocess.tokenize(tf.constant(["one two three four five six"]))
    b = preprocess.tokenize(tf.constant(["seven eight"]))
    packed = preprocess.bert_pack_inputs([a, b], seq_length=tf.constant(8))
    ids = packed["input_word_ids"].numpy()[0]
    # 8 = [CLS] + 3 of a + [SEP] + 2 of b + [SEP]: round robin keeps b whole, trims a.
    one, two, three, seven, eight = 2028, 2048, 2093, 2698, 2809
    np.testing.assert_array_equal(ids, [101, one, two, three, 102, seven, eight, 102])
    np.testing.assert_array_equal(packed["input_type_ids"][0], [0, 0, 0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(packed["input_mask"][0], [1] * 8)


def test_bert_pack_inputs_single_segment_any_length_truncates(preprocess):
    tokens = preprocess.tokenize(tf.constant(["word " * 1000, ""]))
    packed = preprocess.bert_pack_inputs([tokens], seq_length=tf.constant(16))
    ids = packed["input_word_ids"].numpy()
    assert ids.shape == (2, 16)
    assert ids[0, 0] == 101 and ids[0, -1] == 102
    np.testing.assert_array_equal(ids[1, :3], [101, 102, 0])


@pytest.mark.parametrize("num_segments", [1, 2])
def test_packing_in_core_ops_equals_tensorflow_text(num_segments):
    """`pack_segments` against tensorflow_text's trimmer, `combine_segments` and
    `pad_model_inputs` on 200 random rows (empty ones included) at lengths from 2 to 32."""
    import tensorflow_text as text

    from tfsenti.encoders.preprocess import pack_segments

    rng = np.random.default_rng(0)
    segments = [tf.ragged.constant([[[int(p) for p in rng.integers(5, 99, size=w)]
                                     for w in rng.integers(1, 4, size=n)]
                                    for n in rng.integers(0, 9, size=200)],
                                   dtype=tf.int32, ragged_rank=2) for _ in range(num_segments)]
    merged = [s.merge_dims(1, 2) for s in segments]
    for seq_length in (2, 3, 4, 7, 10, 16, 32):
        trimmed = text.RoundRobinTrimmer(max_seq_length=seq_length - num_segments - 1).trim(merged)
        ids, types = text.combine_segments(trimmed, start_of_sequence_id=1, end_of_segment_id=2)
        expected_ids, expected_mask = text.pad_model_inputs(ids, seq_length, pad_value=3)
        expected_types, _ = text.pad_model_inputs(types, seq_length)
        ours = pack_segments(segments, tf.constant(seq_length), cls_id=1, sep_id=2, pad_id=3)
        np.testing.assert_array_equal(ours["input_word_ids"], expected_ids)
        np.testing.assert_array_equal(ours["input_mask"], expected_mask)
        np.testing.assert_array_equal(ours["input_type_ids"], expected_types)
        assert ours["input_word_ids"].shape == (200, seq_length)
