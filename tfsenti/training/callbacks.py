"""Callbacks of a training run: keep the best epoch, hold a time budget, record lr-find's losses.

`KeepBestEpoch` records every epoch and restores the weights of the best one at the end (and
keeps both on disk, so a resumed run knows them). `TimeBudget` (`--time-budget MINUTES`) plans
fine-tuning to end in time: cutting a run off when time is up would leave it at a high learning
rate with an unvalidated last stretch, so once the first steps have shown how fast this machine
trains (after `CALIBRATION_STEPS`, and again every `REPLAN_EVERY` steps or `REPLAN_SECONDS`,
whichever comes first: 100 IMDB steps take 16 minutes on a slow machine), the remaining budget
less a `MARGIN` is converted into optimizer steps, the warmup + decay schedule is re-planned to
reach 0 at the last of them, and training stops there; Keras still validates the epoch it stops
in. Under `--lr auto` the first plan also sets the peak rate for the epochs that fit (`auto_lr`).
`LossRecorder` is the learning-rate range test's per-batch record (`tfsenti lr-find`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import tf_keras as keras

from tfsenti._staging import read_record, whole_file
from tfsenti.errors import ConfigError
from tfsenti.training.objectives import MONITOR
from tfsenti.training.optim import auto_lr

log = logging.getLogger(__name__)

BEST_WEIGHTS = "best-epoch{}.npz"  # in KeepBestEpoch's state_dir, numbered from 1
CALIBRATION_STEPS = 20  # steps timed (after the first, which traces) before the first plan
REPLAN_EVERY = 100  # steps between later plans, each on the rates measured so far
REPLAN_SECONDS = 60.0  # or seconds, when steps are slow
# until an epoch end is timed, a validation batch is taken to cost this share of a training step:
# in float32 measured 0.23 for IMDB's 256-token batches, 0.36 for SST-2 sentences (0.51 in a first
# pass, which traces), where fixed costs weigh more (benchmarks/eval_cost.py); in bfloat16 0.35
# (AMX) and 0.44-0.46 (AVX512_BF16) for IMDB's first pass, from the planner lines of whole runs
# (BENCHMARKS.md, IMDB rows AB-AE)
EVAL_COST = 1 / 3
EVAL_COST_16_BIT = 1 / 2
# of the budget kept free: step times drift between plans (each plan extrapolates up to
# REPLAN_EVERY steps or REPLAN_SECONDS), and the run still restores its best weights after the
# last step
MARGIN = 0.02


def eval_cost(precision: str) -> float:
    """`EVAL_COST` for a float32 run, `EVAL_COST_16_BIT` for a 16-bit one.

    Example:
        >>> eval_cost("float32"), eval_cost("mixed_bfloat16")
        (0.3333333333333333, 0.5)
    """
    return EVAL_COST if precision == "float32" else EVAL_COST_16_BIT


class Replannable(Protocol):
    def replan(self, total_steps: int) -> None: ...

    def set_peak(self, peak: float) -> None: ...


def affordable_steps(seconds_left: float, step: int, seconds_per_step: float,
                     steps_per_epoch: int, seconds_per_epoch_end: float) -> int:
    """The most training steps after `step` that fit in `seconds_left`, counting in full the end
    of every epoch they reach into (the current one included): its validation pass and
    checkpoints.

    The cost of n steps only grows with n, but by a whole epoch end each time n crosses into a
    new epoch, so the largest n that fits is found by bisection: it may stop at an epoch's last
    step when one more would pay for another epoch end.

    Example:
        >>> # 1 s a step, 100 steps an epoch, 15 s an epoch end, 99 s left at step 201:
        >>> affordable_steps(99.0, 201, 1.0, 100, 15.0)  # 84 steps + the 3rd epoch's end
        84
        >>> # 78 s left at step 141 of 150-step epochs: 9 steps and one end (57 s) fit, 10 do not
        >>> affordable_steps(78.0, 141, 2.64, 150, 33.0)
        9
    """
    def seconds(steps: int) -> float:
        # epochs from the current one (validated even if stopped early) to the last one reached
        epoch_ends = (math.ceil((step + steps) / steps_per_epoch)
                      - math.ceil(step / steps_per_epoch) + 1)
        return steps * seconds_per_step + epoch_ends * seconds_per_epoch_end

    fits, too_many = 0, math.floor(seconds_left / seconds_per_step) + 1
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        fits, too_many = (middle, too_many) if seconds(middle) <= seconds_left else (fits, middle)
    return fits


class TimeBudget(keras.callbacks.Callback):
    """Re-plan `schedule` to the steps that fit in `seconds` from `start`, and stop there.

    Args:
        schedule: the learning-rate schedule (`tfsenti.training.optim.WarmupLinearDecay`).
        seconds: the whole budget, counted from `start` (so tokenizing and building count).
        start: `clock()` when the run began.
        planned_steps: optimizer steps the run would take without a budget.
        steps_per_epoch, val_steps: training and validation batches per epoch.
        clock: seconds, monotonic (a fake one in tests).
        choose_lr: set the schedule's peak to `auto_lr` of the epochs the first plan fits
            (`--lr auto`).
        eval_cost: what a validation batch is taken to cost, as a share of a training step,
            until an epoch end has been timed (`eval_cost(precision)`).

    `tfsenti.train` adds it to `fit` when `TrainConfig.time_budget` is set.
    """

    def __init__(self, schedule: Replannable, seconds: float, start: float, planned_steps: int,
                 steps_per_epoch: int, val_steps: int, clock: Callable[[], float] = time.monotonic,
                 choose_lr: bool = False, eval_cost: float = EVAL_COST):
        super().__init__()
        self.schedule, self.seconds, self.start, self.clock = schedule, seconds, start, clock
        self.choose_lr, self.eval_cost = choose_lr, eval_cost
        self.planned_steps, self.steps_per_epoch, self.val_steps = planned_steps, steps_per_epoch, val_steps
        self.total_steps = planned_steps
        self._timed_from: tuple[int, float] | None = None  # (step, time) after the traced first step
        self._last_step_end: float | None = None
        self._planned_at = start
        # each epoch boundary so far: validation, end-of-epoch checkpoints, the next epoch's start
        self._boundary_seconds: list[float] = []

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0 and self._last_step_end is not None:
            self._boundary_seconds.append(self.clock() - self._last_step_end)

    def on_train_batch_end(self, batch, logs=None):
        step, now = int(self.model.optimizer.iterations.numpy()), self.clock()
        self._last_step_end = now
        if self._timed_from is None:
            self._timed_from = (step, now)
        timed_steps = step - self._timed_from[0]
        if now - self.start >= self.seconds:  # over budget before a plan could help
            self.total_steps = step
        elif timed_steps == CALIBRATION_STEPS or (
                timed_steps > CALIBRATION_STEPS and (timed_steps % REPLAN_EVERY == 0
                                                     or now - self._planned_at >= REPLAN_SECONDS)):
            self._plan(step, now, timed_steps)
            self._planned_at = now
        if step >= self.total_steps:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self._last_step_end is not None:  # where the budget went: steps, then the last epoch end
            log.info("--time-budget: %d steps done at %.0f s; training ended at %.0f s of %.0f s",
                     int(self.model.optimizer.iterations.numpy()), self._last_step_end - self.start,
                     self.clock() - self.start, self.seconds)

    def _plan(self, step: int, now: float, timed_steps: int) -> None:
        between_epochs = sum(self._boundary_seconds)  # all of it after the first step
        per_step = (now - self._timed_from[1] - between_epochs) / timed_steps
        per_boundary = (between_epochs / len(self._boundary_seconds) if self._boundary_seconds
                        else self.eval_cost * per_step * self.val_steps)
        seconds_left = self.seconds * (1 - MARGIN) - (now - self.start)
        fits = step + affordable_steps(seconds_left, step, per_step, self.steps_per_epoch,
                                       per_boundary)
        total = min(self.planned_steps, fits)
        if self.choose_lr:  # once, at the first plan: a later change would jolt the decay
            self.choose_lr, epochs = False, total / self.steps_per_epoch
            peak = auto_lr(epochs)
            self.schedule.set_peak(peak)
            log.info("--lr auto: peak rate %g for the %.2f epochs that fit the budget", peak, epochs)
        if total != self.total_steps:
            log.info("--time-budget: %.2f s a step, %.0f s an epoch end: planning %d of %d steps",
                     per_step, per_boundary, total, self.planned_steps)
            self.total_steps = total
            self.schedule.replan(max(total, step + 1))


class KeepBestEpoch(keras.callbacks.Callback):
    """Record every epoch's logs and keep the weights of the epoch with the best validation
    accuracy (ties: lower validation loss), restored at the end.

    With `state_dir` the record and the best weights are also written there after every epoch,
    so a run resumed after a crash still knows its earlier epochs and its best one. A new best
    epoch's weights go to a file of their own before the record names it, and the previous best's
    file is removed after, so a crash in between leaves a record that agrees with its weights. A
    record whose best epoch has no weights file is refused when the run resumes, not at its end.
    The weights kept are those the model holds inside `kept_weights()` (with `--ema`, the weight
    average: `ScoreAverage.averaged`).
    """

    def __init__(self, state_dir: Path | None = None, kept_weights: Callable[
            [], contextlib.AbstractContextManager] = contextlib.nullcontext):
        super().__init__()
        self.state_dir = state_dir
        self.kept_weights = kept_weights
        self.epochs: list[dict[str, float]] = []
        self.best_epoch: int | None = None
        self.best_score = (-math.inf, -math.inf)
        self._weights = None
        if state_dir is not None and (state_dir / "epochs.json").is_file():
            saved = read_record(state_dir / "epochs.json")
            self.epochs, self.best_epoch = saved["epochs"], saved["best_epoch"]
            self.best_score = tuple(saved["best_score"])
            if self.best_epoch is not None and not self._best_file().is_file():
                raise ConfigError(f"{state_dir / 'epochs.json'} keeps epoch {self.best_epoch + 1} "
                                  f"as the best, but its weights ({self._best_file().name}) are "
                                  "not there; run without {resume} to start afresh", ["resume"])

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs = self.epochs[:epoch] + [{k: float(v) for k, v in logs.items()}]
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        if MONITOR in logs:
            score = (logs[MONITOR], -logs.get("val_loss", 0.0))
            if score > self.best_score:
                self.best_epoch, self.best_score = epoch, score
                with self.kept_weights():
                    self._weights = self.model.get_weights()
                if self.state_dir is not None:
                    self._save_best(self._weights)
        if self.state_dir is not None:
            with whole_file(self.state_dir / "epochs.json") as f:
                f.write(json.dumps({"epochs": self.epochs, "best_epoch": self.best_epoch,
                                    "best_score": list(self.best_score)}).encode())
            kept = set() if self.best_epoch is None else {self._best_file()}
            for stale in set(self.state_dir.glob(BEST_WEIGHTS.format("*"))) - kept:
                stale.unlink()

    def on_train_end(self, logs=None):
        if self._weights is not None:
            self.model.set_weights(self._weights)
        elif self.best_epoch is not None and self.state_dir is not None:  # best was before a resume
            with np.load(self._best_file()) as saved:
                self.model.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])

    def _save_best(self, weights: list[np.ndarray]) -> None:
        """The weights alone (not the optimizer: its step count runs on past the best epoch)."""
        with whole_file(self._best_file()) as f:
            np.savez(f, *weights)

    def _best_file(self) -> Path:
        return self.state_dir / BEST_WEIGHTS.format(self.best_epoch + 1)

    def history(self) -> dict:
        """Metric -> per-epoch values, plus `best_epoch`: the kept epoch, counted from 1 as Keras'
        "Epoch 1/3" lines and the plots count (None before any validation)."""
        keys = self.epochs[0].keys() if self.epochs else []
        best = None if self.best_epoch is None else self.best_epoch + 1
        return {**{k: [e[k] for e in self.epochs] for k in keys}, "best_epoch": best}


class LossRecorder(keras.callbacks.Callback):
    """Each batch's own loss (metrics are reset before every batch) at the rate `schedule` gave
    it, smoothed (exponential moving average, bias-corrected); stops the run once the smoothed
    loss exceeds `diverged` times its minimum, or a loss is not finite."""

    def __init__(self, schedule: Callable[[int], float], smoothing: float = 0.98,
                 diverged: float = 4.0):
        super().__init__()
        self.schedule, self.smoothing, self.diverged = schedule, smoothing, diverged
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self._average = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self.model.reset_metrics()

    def on_train_batch_end(self, batch, logs=None):
        step = len(self.losses)
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            self.model.stop_training = True
            return
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        self.lrs.append(float(self.schedule(step)))
        self.losses.append(loss)
        self.smoothed.append(self._average / (1 - self.smoothing ** (step + 1)))
        if self.smoothed[-1] > self.diverged * min(self.smoothed):
            self.model.stop_training = True
