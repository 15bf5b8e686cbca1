"""`EveryFewMinutes`: a log line when the first step is done and every few minutes inside an
epoch, for runs whose progress goes to a file or a pipe. There Keras writes one line per epoch
(`verbose=2`), and an epoch over a million rows can take hours: the lines say how long the run
took to start training, that it is alive, how far the epoch is and its loss.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import tf_keras as keras

log = logging.getLogger(__name__)
MINUTES = 5  # between two lines


class EveryFewMinutes(keras.callbacks.Callback):
    """Log `first step done N s after the start` (`start`: `clock()` when the run began) after
    the first step, and `epoch E: step S of N, loss L` when `minutes` have passed since the epoch
    began or since the last line.

    Example:
        >>> now = [0.0]
        >>> every = EveryFewMinutes(100, minutes=5, start=-12.5, clock=lambda: now[0])
        >>> every.on_epoch_begin(0)
        >>> every.on_train_batch_end(0, {"loss": 0.69})
        >>> now[0] = 301.0
        >>> every.on_train_batch_end(41, {"loss": 0.52})
        >>> every.lines
        ['first step done 12.5 s after the start', 'epoch 1: step 42 of 100, loss 0.5200']
    """

    def __init__(self, steps_per_epoch: int, minutes: float = MINUTES, start: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.steps, self.seconds, self.clock = steps_per_epoch, 60 * minutes, clock
        self.epoch, self.last, self.lines = 0, clock(), []
        self.start: float | None = self.last if start is None else start  # None once said

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch, self.last = epoch, self.clock()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = self.clock()
        if self.start is not None:
            self._say(f"first step done {now - self.start:.1f} s after the start")
            self.start = None
        if now - self.last < self.seconds:
            return
        self.last = now
        line = f"epoch {self.epoch + 1}: step {batch + 1} of {self.steps}"
        if logs and "loss" in logs:
            line += f", loss {float(logs['loss']):.4f}"
        self._say(line)

    def _say(self, line: str) -> None:
        self.lines.append(line)
        log.info("%s", line)
