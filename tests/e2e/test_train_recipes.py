"""Training recipes on the tiny encoder: feature extraction, lazy embedding updates, class
weights, R-Drop, frozen blocks, mixed precision; the learning-rate range test."""

import json

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras as keras

import tfsenti
from tfsenti import TrainConfig, fine_tune, load, load_dataset, save_model, train
from tfsenti.cli import main
from tfsenti.training.lr_find import lr_range_test
from tfsenti.training.objectives import class_weights


def test_features_mode_trains_only_a_head_and_exports_a_string_model(tiny_config, small_reviews,
                                                                     tmp_path):
    result = fine_tune(tiny_config(mode="features", pooling="mean"),
                       small_reviews / "train", test_path=small_reviews / "test",
                       out=tmp_path / "features", verbose=0)
    saved = json.loads((result.folder / "config.json").read_text())
    assert saved["train_config"]["mode"] == "features"
    assert saved["trainable_params"] == 32 + 1  # one Dense(1) on 32-wide embeddings
    assert result.history["embed_seconds"] > 0 and result.history["head_seconds_per_epoch"] > 0
    assert 1 <= len(result.history["loss"]) <= 100
    predictions = load(result.folder).predict(["a wonderful film", "a dull film"])
    assert predictions.probabilities.shape == (2, 2)
    np.testing.assert_allclose(predictions.probabilities.sum(axis=1), 1, atol=1e-6)


@pytest.mark.parametrize("updates, all_rows_move", [("lazy", False), ("dense", True)])
def test_training_moves_only_the_word_embeddings_it_looks_up(tiny_encoder, small_reviews, updates,
                                                             all_rows_move):
    data = tfsenti.load_dataset(small_reviews / "train").head_per_class(8)
    config = TrainConfig(encoder=str(tiny_encoder), epochs=1, seq_len=32, batch_size=8,
                         embedding_updates=updates)
    untrained = tfsenti.build_classifier(config, 2)
    table = next(w for w in untrained.get_layer("encoder").weights if "word_embeddings" in w.name)
    model, _ = tfsenti.train(config, *data.split(0.25, seed=1), verbose=0)
    trained = next(w for w in model.get_layer("encoder").weights if "word_embeddings" in w.name)
    moved = np.any(trained.numpy() != table.numpy(), axis=1).sum()
    vocabulary = table.shape[0]
    if all_rows_move:
        assert moved == vocabulary
    else:
        assert 20 < moved < 2000 < vocabulary  # the distinct tokens of 12 reviews


def test_balanced_class_weights_change_the_loss(tiny_config, small_reviews):
    data = load_dataset(small_reviews / "train")
    keep = np.ones(len(data), dtype=bool)
    keep[np.flatnonzero(data.labels == 1)[8:]] = False  # 24 neg, 8 pos
    imbalanced = data.subset(keep, "imbalanced")
    weights = class_weights(imbalanced.labels, 2, "balanced")
    assert weights == {0: round(32 / 48, 4), 1: 2.0}
    splits = imbalanced.split(0.25, seed=1)
    _, plain = train(tiny_config(), *splits, verbose=0)
    _, weighted = train(tiny_config(class_weight="balanced"), *splits, verbose=0)
    assert plain["loss"][0] != pytest.approx(weighted["loss"][0], abs=1e-4)
    assert plain["val_loss"][0] == pytest.approx(weighted["val_loss"][0], abs=0.05)  # unweighted


def test_rdrop_trains_on_two_passes_and_validates_on_one(tiny_config, small_reviews):
    splits = load_dataset(small_reviews / "train").split(0.25, seed=1)
    _, plain = train(tiny_config(), *splits, verbose=0)
    model, rdrop = train(tiny_config(rdrop=1.0), *splits, verbose=0)
    assert rdrop["steps"] == plain["steps"]  # each batch holds its texts twice, not more batches
    assert rdrop["loss"][0] != pytest.approx(plain["loss"][0], abs=1e-4)
    val_texts, val_labels = splits[1].texts, splits[1].labels
    logits = model(tf.constant(val_texts), training=False)
    loss = float(keras.losses.BinaryCrossentropy(from_logits=True)(val_labels[:, None], logits))
    assert loss == pytest.approx(rdrop["val_loss"][rdrop["best_epoch"] - 1], abs=1e-5)  # no penalty


def test_frozen_weights_do_not_change_in_training(tiny_config, tiny_encoder, small_reviews):
    data = load_dataset(small_reviews / "train")
    model, history = train(tiny_config(freeze="last-1", epochs=2), *data.split(0.25, seed=1),
                           verbose=0)
    before = {v.name: v.numpy() for v in hub.KerasLayer(str(tiny_encoder / "encoder")).weights}
    after = {v.name: v.numpy() for v in model.get_layer("encoder").weights}
    changed = {name.split("/")[0] for name in before if not np.array_equal(before[name], after[name])}
    assert changed == {"transformer_layer_1", "pooler"}
    head = model.get_layer("classifier")
    assert history["trainable_params"] == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert history["trainable_params"] < model.count_params() and head.trainable


def test_a_mixed_precision_run_returns_and_exports_a_float32_model(tiny_config, small_reviews,
                                                                   tmp_path):
    data = load_dataset(small_reviews / "train")
    model, _ = train(tiny_config(precision="mixed_float16"), *data.split(0.25, seed=1),
                     verbose=0)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after the run
    assert {layer.dtype_policy.name for layer in model.layers[1:]} == {"float32"}  # [0]: the Input
    assert model(tf.constant(["a fine film"])).dtype == tf.float32
    served = tf.saved_model.load(str(save_model(model, data.class_names, tmp_path / "fp16")))
    out = served.signatures["serving_default"](text=tf.constant(["a fine film"]))
    assert out["probabilities"].dtype == tf.float32


def test_cli_writes_the_curve_and_suggests_a_tenth_of_the_lowest_loss_rate(
        tiny_encoder, small_reviews, tmp_path, capsys):
    out = tmp_path / "lrf"
    code = main(["lr-find", str(small_reviews), "--encoder", str(tiny_encoder), "--seq-len", "64",
                 "--batch-size", "8", "--steps", "12", "--start-lr", "1e-6", "--end-lr", "1e-3",
                 "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    result = json.loads((out / "lr_find.json").read_text())
    lrs = np.array(result["lrs"])
    assert len(lrs) == 12 and np.isclose(lrs[0], 1e-6) and np.isclose(lrs[-1], 1e-3, rtol=1e-4)
    assert np.allclose(lrs[1:] / lrs[:-1], 10 ** (3 / 11), rtol=1e-4)  # constant growth factor
    assert result["min_loss_lr"] == lrs[int(np.argmin(result["smoothed"]))]
    assert np.isclose(result["suggested_lr"], result["min_loss_lr"] / 10)
    assert (out / "lr_find.png").stat().st_size > 10_000
    assert f"suggested --lr {result['suggested_lr']:.1e}" in printed


def test_the_run_stops_when_the_loss_diverges(tiny_encoder, small_reviews):
    data = load_dataset(small_reviews / "train")
    result = lr_range_test(TrainConfig(encoder=str(tiny_encoder), seq_len=64, batch_size=8),
                           data, start_lr=1e-5, end_lr=1e4, steps=60)
    assert 5 < len(result.lrs) < 60  # stopped early, at a rate far above the lowest-loss one
    assert result.smoothed[-1] > 4 * min(result.smoothed) or not np.isfinite(result.losses[-1])
    assert result.lrs[-1] > 100 * result.min_loss_lr
