"""`--time-budget` on a fake clock: the schedule is re-planned and training stops in time. The
best epoch's weights survive a resume."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from tfsenti.config import TrainConfig
from tfsenti.errors import ConfigError
from tfsenti.training.callbacks import (CALIBRATION_STEPS, EVAL_COST, EVAL_COST_16_BIT, MARGIN,
                                       REPLAN_EVERY, REPLAN_SECONDS, KeepBestEpoch, TimeBudget)
from tfsenti.training.optim import (LR_FEW_PASSES, LR_MANY_PASSES, WarmupLinearDecay,
                                    make_optimizer)


class FakeClock(keras.callbacks.Callback):
    """Fake time: each training step takes `step_seconds(step)` (1 s by default) and each
    validation batch 0.5 s."""

    def __init__(self, step_seconds=lambda step: 1.0):
        super().__init__()
        self.now = 0.0
        self.step_seconds, self.steps = step_seconds, 0

    def __call__(self) -> float:
        return self.now

    def on_train_batch_end(self, batch, logs=None):
        self.now += self.step_seconds(self.steps)
        self.steps += 1

    def on_test_batch_end(self, batch, logs=None):
        self.now += 0.5


def _fit_with_budget(seconds: float, planned_steps: int, epochs: int, steps_per_epoch: int,
                     val_steps: int, clock: FakeClock | None = None, choose_lr: bool = False,
                     eval_cost: float = EVAL_COST
                     ) -> tuple[WarmupLinearDecay, TimeBudget, FakeClock, keras.callbacks.History]:
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    schedule = WarmupLinearDecay(1e-3, warmup_steps=planned_steps // 10, total_steps=planned_steps)
    model.compile(optimizer=make_optimizer(TrainConfig(), planned_steps, schedule), loss="mse")
    batches = tf.data.Dataset.from_tensors((np.ones((1, 3)), np.ones((1, 1)))).repeat()
    clock = clock or FakeClock()
    budget = TimeBudget(schedule, seconds, start=0.0, planned_steps=planned_steps,
                        steps_per_epoch=steps_per_epoch, val_steps=val_steps, clock=clock,
                        choose_lr=choose_lr, eval_cost=eval_cost)
    history = model.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch,
                        validation_data=batches if val_steps else None, validation_steps=val_steps or None,
                        callbacks=[clock, budget], verbose=0)
    return schedule, budget, clock, history


def test_time_budget_replans_the_schedule_and_stops_at_the_last_step_that_fits():
    # 100 steps (100 s) and a validation (30 x 0.5 s) an epoch: two epochs take 230 s, so 330 s
    # less the 2% margin (323.4 s) leave 78 steps of a third epoch plus its validation
    schedule, budget, clock, history = _fit_with_budget(330.0, 1000, epochs=10, steps_per_epoch=100,
                                                        val_steps=30)
    assert (CALIBRATION_STEPS, REPLAN_EVERY, REPLAN_SECONDS, MARGIN) == (20, 100, 60.0, 0.02)
    assert budget.model.optimizer.iterations.numpy() == budget.total_steps == 278
    assert clock.now == 323.0
    assert schedule.total_steps == 278 and abs(schedule.warmup_steps - 27.8) <= 0.5  # still 10%
    assert float(schedule(278)) == 0.0 and float(schedule(277)) > 0  # decay ends with training
    assert len(history.history["val_loss"]) == 3  # the epoch it stopped in was validated


@pytest.mark.parametrize("seconds, steps, peak", [
    (150.0, 147, LR_FEW_PASSES),  # 147 s less the 2% margin: 1.47 of 3 epochs fit
    (250.0, 245, LR_MANY_PASSES),  # 2.45 fit
])
def test_lr_auto_takes_the_peak_rate_for_the_epochs_the_budget_fits(seconds, steps, peak):
    # 1 s a step, 100 steps an epoch, no validation: the first plan (after 21 steps) sees how
    # many epochs fit and sets the peak once; the schedule was built with another rate
    schedule, budget, _, _ = _fit_with_budget(seconds, 300, epochs=3, steps_per_epoch=100,
                                              val_steps=0, choose_lr=True)
    assert budget.total_steps == steps and schedule.peak == peak
    assert float(schedule(schedule.warmup_steps)) == pytest.approx(peak)


def test_time_budget_longer_than_the_run_changes_nothing():
    schedule, budget, clock, _ = _fit_with_budget(1e6, 100, epochs=2, steps_per_epoch=50, val_steps=0)
    assert budget.model.optimizer.iterations.numpy() == 100 and clock.now == 100.0
    assert (schedule.warmup_steps, schedule.total_steps) == (10, 100)


def test_slow_steps_are_replanned_by_the_minute_and_a_slowdown_still_ends_in_time():
    # 10 s steps (long reviews on a slow machine) that slow to 15 s after step 40: planned only
    # every 100 steps, the run would keep the 10 s plan until step 100 and end at 1,210 s
    clock = FakeClock(lambda step: 10.0 if step < 40 else 15.0)
    _, budget, clock, _ = _fit_with_budget(1200.0, 1000, epochs=1, steps_per_epoch=1000,
                                           val_steps=0, clock=clock)
    assert int(budget.model.optimizer.iterations.numpy()) == budget.total_steps == 92
    assert clock.now == 1180.0  # 40 x 10 s + 52 x 15 s, within the budget


def test_a_budget_that_ends_at_an_epoch_boundary_trains_up_to_it(caplog):
    # 1 s a step, 100 steps and 30 validation batches an epoch; 120 s less the margin (117.6 s)
    # hold the whole first epoch and its validation (the plan reserves 30 x 1/3 s for it, the
    # fake clock takes 15 s), while step 101 would pay for a second epoch end
    with caplog.at_level("INFO", logger="tfsenti.training.callbacks"):
        _, budget, clock, history = _fit_with_budget(120.0, 300, epochs=3, steps_per_epoch=100,
                                                     val_steps=30)
    assert int(budget.model.optimizer.iterations.numpy()) == budget.total_steps == 100
    assert clock.now == 115.0 and len(history.history["val_loss"]) == 1
    assert "--time-budget: 100 steps done at 100 s; training ended at 115 s of 120 s" in caplog.text


@pytest.mark.parametrize("eval_cost, steps, ends_at", [
    (EVAL_COST_16_BIT, 146, 196.0),  # the reservation a 16-bit run makes: in time
    (EVAL_COST, 162, 212.0),  # float32's third of a step, too little here: 12 s late
])
def test_a_run_under_an_epoch_reserves_its_validation_at_the_cost_it_is_given(eval_cost, steps,
                                                                            ends_at):
    # 1 s a step, 100 validation batches of 0.5 s (half a step, as in 16-bit runs on IMDB) at the
    # end of the one epoch a 200 s budget reaches into: no epoch end is timed before the last
    _, budget, clock, _ = _fit_with_budget(200.0, 1000, epochs=1, steps_per_epoch=1000,
                                           val_steps=100, eval_cost=eval_cost)
    assert int(budget.model.optimizer.iterations.numpy()) == budget.total_steps == steps
    assert clock.now == ends_at


def _two_logits() -> keras.Model:
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def test_a_best_epoch_from_before_a_resume_comes_back_without_rewinding_the_optimizer(tmp_path):
    model = _two_logits()
    model.compile(optimizer=make_optimizer(TrainConfig(), 10, 1e-3), loss="mse")
    best = model.get_weights()
    killed = KeepBestEpoch(tmp_path)  # the run that was killed after its first epoch
    killed.set_model(model)
    killed.on_epoch_end(0, {"val_accuracy": 0.9, "val_loss": 0.2})
    model.set_weights([w + 1 for w in best])
    model.optimizer.iterations.assign(8)
    resumed = KeepBestEpoch(tmp_path)  # a new process reads the record
    resumed.set_model(model)
    resumed.on_epoch_end(1, {"val_accuracy": 0.8, "val_loss": 0.1})
    resumed.on_train_end()
    assert all(np.array_equal(now, then) for now, then in zip(model.get_weights(), best))
    assert int(model.optimizer.iterations.numpy()) == 8  # the steps taken, as history reports
    assert resumed.history() == {"val_accuracy": [0.9, 0.8], "val_loss": [0.2, 0.1],
                                 "best_epoch": 1}


def test_a_run_killed_while_recording_an_epoch_resumes_from_the_record_before(tmp_path,
                                                                             monkeypatch):
    model = _two_logits()
    killed = KeepBestEpoch(tmp_path)
    killed.set_model(model)
    killed.on_epoch_end(0, {"val_accuracy": 0.7, "val_loss": 0.4})

    def killed_before_the_data_reaches_disk(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr("tfsenti._staging.os.fsync", killed_before_the_data_reaches_disk)
    with pytest.raises(KeyboardInterrupt):  # while writing the second epoch's best weights
        killed.on_epoch_end(1, {"val_accuracy": 0.8, "val_loss": 0.3})
    monkeypatch.undo()
    resumed = KeepBestEpoch(tmp_path)  # the resumed run reads the first epoch's record whole
    assert resumed.history() == {"val_accuracy": [0.7], "val_loss": [0.4], "best_epoch": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-epoch1.npz", "best-epoch2.npz.tmp",
                                                          "epochs.json"]


def test_a_run_killed_between_a_best_epochs_weights_and_its_record_keeps_the_recorded_best(
        tmp_path, monkeypatch):
    model = _two_logits()
    first = model.get_weights()
    killed = KeepBestEpoch(tmp_path)
    killed.set_model(model)
    killed.on_epoch_end(0, {"val_accuracy": 0.7, "val_loss": 0.4})
    model.set_weights([w + 1 for w in first])
    files_written = []

    def killed_writing_the_record(fd):  # the second epoch's weights are on disk, its record not
        files_written.append(fd)
        if len(files_written) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("tfsenti._staging.os.fsync", killed_writing_the_record)
    with pytest.raises(KeyboardInterrupt):
        killed.on_epoch_end(1, {"val_accuracy": 0.8, "val_loss": 0.3})
    monkeypatch.undo()
    model.set_weights([w + 2 for w in first])
    resumed = KeepBestEpoch(tmp_path)  # epoch 2 again, worse this time: epoch 1 stays the best
    resumed.set_model(model)
    resumed.on_epoch_end(1, {"val_accuracy": 0.6, "val_loss": 0.5})
    resumed.on_train_end()
    assert resumed.history()["best_epoch"] == 1
    assert all(np.array_equal(now, then) for now, then in zip(model.get_weights(), first))
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["best-epoch1.npz"]


def test_a_resumed_record_whose_best_weights_are_gone_is_refused_before_training(tmp_path):
    first = KeepBestEpoch(tmp_path)
    first.set_model(_two_logits())
    first.on_epoch_end(0, {"val_accuracy": 0.7, "val_loss": 0.4})
    (tmp_path / "best-epoch1.npz").unlink()
    with pytest.raises(ConfigError, match=r"epochs.json keeps epoch 1 as the best, but its "
                       r"weights \(best-epoch1.npz\) are not there; run without resume"):
        KeepBestEpoch(tmp_path)
