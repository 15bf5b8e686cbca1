"""Optimizer and schedule of the BERT recipe; reproducibility; multi-class end to end."""

import json
import random

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

import tfsenti
from tfsenti.config import TrainConfig
from tfsenti.time_budget import CALIBRATION_STEPS, MARGIN, REPLAN_EVERY, TimeBudget
from tfsenti.training import WarmupLinearDecay, make_optimizer


def test_schedule_warms_up_linearly_then_decays_to_zero():
    schedule = WarmupLinearDecay(5e-5, warmup_steps=10, total_steps=100)
    values = [float(schedule(s)) for s in (0, 5, 10, 55, 100, 120)]
    assert values == pytest.approx([0.0, 2.5e-5, 5e-5, 2.5e-5, 0.0, 0.0])
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert float(clone(5)) == pytest.approx(2.5e-5)  # reloadable: no "Unknown decay"


class FakeClock(keras.callbacks.Callback):
    """Fake time: each training step takes 1 s and each validation batch 0.5 s."""

    def __init__(self):
        super().__init__()
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def on_train_batch_end(self, batch, logs=None):
        self.now += 1.0

    def on_test_batch_end(self, batch, logs=None):
        self.now += 0.5


def _fit_with_budget(seconds: float, planned_steps: int, epochs: int, steps_per_epoch: int,
                     val_steps: int) -> tuple[WarmupLinearDecay, TimeBudget, FakeClock, keras.callbacks.History]:
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    schedule = WarmupLinearDecay(1e-3, warmup_steps=planned_steps // 10, total_steps=planned_steps)
    model.compile(optimizer=make_optimizer(TrainConfig(), planned_steps, schedule), loss="mse")
    batches = tf.data.Dataset.from_tensors((np.ones((1, 3)), np.ones((1, 1)))).repeat()
    clock = FakeClock()
    budget = TimeBudget(schedule, seconds, start=0.0, planned_steps=planned_steps,
                        steps_per_epoch=steps_per_epoch, val_steps=val_steps, clock=clock)
    history = model.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch,
                        validation_data=batches if val_steps else None, validation_steps=val_steps or None,
                        callbacks=[clock, budget], verbose=0)
    return schedule, budget, clock, history


def test_time_budget_replans_the_schedule_and_stops_at_the_last_step_that_fits():
    # 100 steps (100 s) and a validation (30 x 0.5 s) an epoch: two epochs take 230 s, so 330 s
    # less the 2% margin (323.4 s) leave 78 steps of a third epoch plus its validation
    schedule, budget, clock, history = _fit_with_budget(330.0, 1000, epochs=10, steps_per_epoch=100,
                                                        val_steps=30)
    assert (CALIBRATION_STEPS, REPLAN_EVERY, MARGIN) == (20, 100, 0.02)
    assert budget.model.optimizer.iterations.numpy() == budget.total_steps == 278
    assert clock.now == 323.0
    assert schedule.total_steps == 278 and abs(schedule.warmup_steps - 27.8) <= 0.5  # still 10%
    assert float(schedule(278)) == 0.0 and float(schedule(277)) > 0  # decay ends with training
    assert len(history.history["val_loss"]) == 3  # the epoch it stopped in was validated


def test_time_budget_longer_than_the_run_changes_nothing():
    schedule, budget, clock, _ = _fit_with_budget(1e6, 100, epochs=2, steps_per_epoch=50, val_steps=0)
    assert budget.model.optimizer.iterations.numpy() == 100 and clock.now == 100.0
    assert (schedule.warmup_steps, schedule.total_steps) == (10, 100)


def test_train_with_a_time_budget_stops_in_time_on_a_validated_epoch(tiny_encoder, small_reviews):
    data = tfsenti.load_dataset(small_reviews / "train")
    config = TrainConfig(encoder=str(tiny_encoder), epochs=2000, seq_len=32, batch_size=8,
                         time_budget=0.1)  # 6 s for what would take minutes
    model, history = tfsenti.train(config, *data.split(0.25, seed=1), verbose=0)
    assert history["steps"] < 2000 * history["steps_per_epoch"]
    assert len(history["val_accuracy"]) >= 1 and history["best_epoch"] is not None
    assert history["train_seconds"] < 60
    assert model(tf.constant(["a fine film"])).shape == (1, 1)


def test_adamw_decays_kernels_but_not_layer_norm_or_bias():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.LayerNormalization(name="layer_norm")(inputs)))
    optimizer = make_optimizer(TrainConfig(lr=0.1, weight_decay=0.5, warmup=0.0), total_steps=10)
    assert optimizer.epsilon == 1e-6 and optimizer.global_clipnorm == 1.0
    before = {w.name: w.numpy().copy() for w in model.trainable_weights}
    for w in model.trainable_weights:
        w.assign(tf.ones_like(w))
    optimizer.apply_gradients([(tf.zeros_like(w), w) for w in model.trainable_weights])
    after = {w.name: float(tf.reduce_mean(w)) for w in model.trainable_weights}
    assert len(before) == 4
    for name, value in after.items():
        if "kernel" in name:
            assert value == pytest.approx(1 - 0.1 * 0.5)  # decoupled decay: w -= lr * wd * w
        else:  # layer_norm gamma/beta and the Dense bias
            assert value == pytest.approx(1.0), name


def test_same_seed_gives_identical_runs(tiny_encoder, small_reviews):
    data = tfsenti.load_dataset(small_reviews / "train")
    config = TrainConfig(encoder=str(tiny_encoder), epochs=2, seq_len=32, batch_size=8, seed=7)
    runs = [tfsenti.train(config, *data.split(0.1, seed=7), verbose=0) for _ in range(2)]
    histories = [{k: v for k, v in history.items() if k != "train_seconds"} for _, history in runs]
    assert histories[0] == histories[1]
    weights = [model.get_layer("classifier").get_weights()[0] for model, _ in runs]
    np.testing.assert_array_equal(*weights)
    assert histories[0]["loss"][0] != histories[0]["loss"][1]  # it did train


TITLES = ["Northbound", "Red Mesa", "Blue Hour", "Cold Open", "Tin Angels", "Copper Sky",
          "The Arbiter", "Paper Lanterns", "Iron Orchard", "Saturday Matinee", "Dead Reckoning",
          "Low Tide Waltz"]


def _three_class_splits(small_reviews, per_class_test=6):
    """(train rows, test rows): 24 factual (neutral) sentences and 24 reviews of each polarity."""
    neutral = [f"{TITLES[i % 12]} runs {90 + 3 * i} minutes and opened in {1990 + i} on "
               f"{150 + 40 * i} screens." for i in range(24)]
    by_class = {"neutral": neutral}
    for folder, label in (("neg", "negative"), ("pos", "positive")):
        by_class[label] = [f.read_text(encoding="utf-8").strip()
                           for f in sorted((small_reviews / "train" / folder).glob("*.txt"))]
    train, test = [], []
    for label, texts in by_class.items():
        train += [{"text": t, "label": label} for t in texts[per_class_test:]]
        test += [{"text": t, "label": label} for t in texts[:per_class_test]]
    random.Random(0).shuffle(train)
    return train, test


def test_three_classes_train_end_to_end(small_reviews, tmp_path):
    train, test = _three_class_splits(small_reviews)
    for name, rows in (("train", train), ("test", test)):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    config = TrainConfig(epochs=4, seq_len=48, batch_size=8, lr=1e-4, val_split=0.25)
    result = tfsenti.fine_tune(config, tmp_path / "train.jsonl", test_path=tmp_path / "test.jsonl",
                               out=tmp_path / "model", verbose=0)
    test_metrics = result.metrics["test"]
    assert test_metrics["class_names"] == ["negative", "neutral", "positive"]
    assert np.array(test_metrics["confusion_matrix"]).shape == (3, 3)
    assert test_metrics["examples"] == 18
    assert test_metrics["accuracy"] >= 0.75  # chance is 1/3
    predictions = tfsenti.load(result.folder).predict(["It runs 95 minutes and opened in 2001.",
                                                       "A joyless, tedious failure. Avoid it."])
    assert predictions.probabilities.shape == (2, 3)
    assert np.allclose(predictions.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert predictions.labels == ["neutral", "negative"]


def test_early_stopping_and_best_epoch(tiny_encoder, small_reviews):
    data = tfsenti.load_dataset(small_reviews / "train")
    config = TrainConfig(encoder=str(tiny_encoder), epochs=6, seq_len=16, batch_size=16,
                         lr=1e-12, early_stop=2)
    model, history = tfsenti.train(config, *data.split(0.25, seed=0), verbose=0)
    assert len(history["loss"]) == 3  # epoch 1 sets the best; 2 more without improvement stop it
    assert history["best_epoch"] == int(np.argmax(history["val_accuracy"]))
