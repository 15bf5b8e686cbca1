"""`Progress`: a one-line progress bar on stderr for long loops (predicting, tokenizing,
downloading), with the count, the rate and the time left.

It draws only on a terminal, so logs, pipes and CI output stay clean; stdout is left to results
(JSON lines, metrics).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_SECONDS = 0.2
WIDTH = 24


def _clock_text(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}" if minutes >= 60 else \
        f"{minutes}:{seconds:02d}"


class Progress:
    """A progress bar for `total` items (None: unknown), drawn on `stream` (default stderr) when
    `enabled` and the stream is a terminal; `scale` divides counts for display (1e6 for MB).

    Example:
        >>> import io
        >>> class Terminal(io.StringIO):
        ...     def isatty(self):
        ...         return True
        >>> screen = Terminal()
        >>> with Progress(300, "predicting", "texts", stream=screen) as progress:
        ...     progress.update(100)
        ...     progress.update(200)
        >>> screen.getvalue().split("\\r")[-1]  # doctest: +ELLIPSIS
        'predicting  300/300 texts 100% [========================] ... texts/s, 0:00 elapsed...'
    """

    def __init__(self, total: int | None, label: str, unit: str = "texts", enabled: bool = True,
                 stream: TextIO | None = None, scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.total, self.label, self.unit, self.scale = total, label, unit, scale
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.clock = clock
        self.done = 0
        self.start = clock()
        self._drawn_at: float | None = None
        self._width = 0  # of the longest line drawn: shorter ones are padded to hide its tail

    def update(self, count: int) -> None:
        """Add `count` finished items; redraw if the last drawing is old enough."""
        self.done += count
        now = self.clock()
        if self.enabled and (self._drawn_at is None or now - self._drawn_at >= REDRAW_SECONDS):
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _draw(self, now: float) -> None:
        self._drawn_at = now
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        done = self.done / self.scale
        line = f"{self.label}  {done:,.0f}"
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * WIDTH)
            bar = "=" * filled + (">" if filled < WIDTH else "") + " " * (WIDTH - filled - 1)
            line += f"/{self.total / self.scale:,.0f} {self.unit} {fraction:4.0%} [{bar[:WIDTH]}]"
        else:
            line += f" {self.unit},"
        line += f" {rate / self.scale:,.0f} {self.unit}/s, {_clock_text(elapsed)} elapsed"
        if self.total and 0 < self.done < self.total:
            line += f", {_clock_text((self.total - self.done) / rate)} left"
        self._width = max(self._width, len(line))
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
