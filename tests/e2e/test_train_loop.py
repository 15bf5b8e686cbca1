"""Training runs of the tiny encoder: time budget, early stopping, `--seq-len auto`, `--ema`
(determinism: test_rerun.py)."""

import json

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras
import tensorflow_hub as hub

import tfsenti
from tfsenti import TrainConfig, load_dataset, train
from tfsenti.cli import main
from tfsenti.modeling.text_inputs import tokenize_and_pack


def test_train_with_a_time_budget_stops_in_time_on_a_validated_epoch(tiny_encoder, small_reviews):
    data = tfsenti.load_dataset(small_reviews / "train")
    config = TrainConfig(encoder=str(tiny_encoder), epochs=2000, seq_len=32, batch_size=8,
                         time_budget=0.1)  # 6 s for what would take minutes
    model, history = tfsenti.train(config, *data.split(0.25, seed=1), verbose=0)
    assert history["steps"] < 2000 * history["steps_per_epoch"]
    assert len(history["val_accuracy"]) >= 1 and history["best_epoch"] is not None
    assert history["train_seconds"] < 60
    assert model(tf.constant(["a fine film"])).shape == (1, 1)


def test_early_stopping_and_best_epoch(tiny_encoder, small_reviews):
    data = tfsenti.load_dataset(small_reviews / "train")
    config = TrainConfig(encoder=str(tiny_encoder), epochs=6, seq_len=16, batch_size=16,
                         lr=1e-12, early_stop=2)
    model, history = tfsenti.train(config, *data.split(0.25, seed=0), verbose=0)
    assert len(history["loss"]) == 3  # epoch 1 sets the best; 2 more without improvement stop it
    assert history["best_epoch"] == 1 + int(np.argmax(history["val_accuracy"]))


def test_seq_len_auto_covers_95_percent_of_the_training_texts(tiny_encoder, small_reviews):
    preprocessor = hub.load(str(tiny_encoder / "preprocess"))
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


def test_ema_validates_and_keeps_the_weight_average(tiny_encoder, small_reviews):
    train_part, val_part = load_dataset(small_reviews / "train").split(0.25, seed=1)
    config = TrainConfig(encoder=str(tiny_encoder), epochs=3, seq_len=32, batch_size=4,
                         lr=1e-3, ema=0.99)
    model, history = train(config, train_part, val_part, verbose=0)
    assert history["steps"] == 27 and len(history["last_val_loss"]) == 3  # averaged at 8, 16, 24
    best = history["best_epoch"] - 1
    logits = model(tf.constant(val_part.texts), training=False)
    loss = float(keras.losses.BinaryCrossentropy(from_logits=True)(val_part.labels[:, None], logits))
    assert loss == pytest.approx(history["val_loss"][best], abs=1e-5)  # the average was kept
    assert all(abs(a - b) > 1e-6 for a, b in zip(history["val_loss"], history["last_val_loss"]))
