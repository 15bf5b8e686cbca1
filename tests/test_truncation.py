"""`--truncate head|tail|head+tail` and `--seq-len auto`: what the model sees of long texts."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfsenti import TrainConfig, load_dataset, train
from tfsenti.batching import bucketed_dataset, tokenize_and_pack
from tfsenti.cli import main
from tfsenti.model import build_classifier, packed_inputs_model
from tfsenti.truncation import TRUNCATIONS
from varied_text import varied_sentences

SEQ_LEN = 24  # budget 22 word pieces: head+tail keeps the first 6 and the last 16
LONG = " ".join(f"{word} {n}" for n, word in enumerate(["film", "plot", "cast", "music"] * 12))


@pytest.fixture(scope="module")
def preprocessor(tiny_encoder):
    return build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=SEQ_LEN), 2).get_layer(
        "preprocess").preprocessor


@pytest.mark.parametrize("truncate, head, tail", [("head", 22, 0), ("tail", 0, 22),
                                                  ("head+tail", 6, 16)])
def test_the_string_model_keeps_the_chosen_tokens(tiny_encoder, preprocessor, truncate, head, tail):
    pieces = preprocessor.tokenize(tf.constant([LONG])).merge_dims(1, 2)[0].numpy().tolist()
    assert len(pieces) > 40
    model = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=SEQ_LEN,
                                         truncate=truncate), 2)
    ids = model.get_layer("preprocess")(tf.constant([LONG, "a fine film"]))["input_word_ids"].numpy()
    kept = pieces[:head] + (pieces[-tail:] if tail else [])
    assert ids.shape == (2, SEQ_LEN)
    assert ids[0, 1:-1].tolist() == kept and ids[0, 0] == ids[1, 0]  # [CLS] kept pieces [SEP]
    short = preprocessor.tokenize(tf.constant(["a fine film"])).merge_dims(1, 2)[0].numpy().tolist()
    assert ids[1][1:4].tolist() == short  # texts within the budget are left whole


@pytest.mark.parametrize("truncate", TRUNCATIONS)
def test_training_inputs_are_cut_like_the_exported_model(tiny_encoder, preprocessor, truncate):
    texts = varied_sentences(20, seed=9) + [LONG, LONG[::-1], "dull"]
    model = build_classifier(TrainConfig(encoder=str(tiny_encoder), seq_len=SEQ_LEN,
                                         truncate=truncate), 2)
    ids = tokenize_and_pack(texts, preprocessor, SEQ_LEN, truncate)
    expected = model.get_layer("preprocess")(tf.constant(texts))
    np.testing.assert_array_equal(ids.to_tensor(shape=[len(texts), SEQ_LEN]).numpy(),
                                  expected["input_word_ids"].numpy())
    packed, got = packed_inputs_model(model), np.zeros((len(texts), 1), np.float32)
    for inputs, index in bucketed_dataset(ids, np.arange(len(texts)), batch_size=4)[0]:
        got[index.numpy()] = packed(inputs).numpy()
    np.testing.assert_allclose(got, model(tf.constant(texts)).numpy(), atol=1e-5)


def test_seq_len_auto_covers_95_percent_of_the_training_texts(tiny_encoder, small_reviews,
                                                              preprocessor):
    train_part, val_part = load_dataset(small_reviews / "train").split(0.25, seed=1)
    lengths = tokenize_and_pack(train_part.texts, preprocessor, 512).row_lengths().numpy()
    _, history = train(TrainConfig(encoder=str(tiny_encoder), seq_len="auto", epochs=1),
                       train_part, val_part, verbose=0)
    chosen = history["seq_len"]  # the shortest multiple of 8 that covers 95% of the texts
    assert chosen % 8 == 0 and np.mean(lengths <= chosen) >= 0.95 > np.mean(lengths <= chosen - 8)


def test_cli_seq_len_auto_writes_the_chosen_length(tiny_encoder, small_reviews, tmp_path, capsys):
    code = main(["train", str(small_reviews), "--encoder", str(tiny_encoder), "--epochs", "1",
                 "--seq-len", "auto", "--truncate", "head+tail", "--out", str(tmp_path / "m"),
                 "--quiet"])
    assert code == 0, capsys.readouterr().err
    saved = json.loads((tmp_path / "m" / "config.json").read_text())["train_config"]
    assert isinstance(saved["seq_len"], int) and 8 <= saved["seq_len"] <= 512
    assert saved["truncate"] == "head+tail"
