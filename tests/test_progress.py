"""Progress bars: drawn on terminals only, with the count, the rate and the time left."""

from __future__ import annotations

import io

from tfsenti.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_sees_count_rate_and_time_left():
    screen, clock = Terminal(), Clock()
    with Progress(1000, "predicting", "texts", stream=screen, clock=clock) as bar:
        clock.now = 2.0
        bar.update(250)
        clock.now = 2.1  # too soon to redraw
        bar.update(250)
        clock.now = 4.0
        bar.update(250)
    drawn = screen.getvalue().split("\r")[1:]
    assert drawn[0].rstrip() == "predicting  250/1,000 texts  25% [======>                 ] " \
                                "125 texts/s, 0:02 elapsed, 0:06 left"
    assert len(drawn) == 3  # two redraws and the final state
    assert drawn[1].rstrip().startswith("predicting  750/1,000 texts  75%")
    assert drawn[2].endswith("\n") and "750/1,000" in drawn[2]


def test_nothing_is_drawn_off_a_terminal_or_when_disabled():
    pipe = io.StringIO()
    with Progress(10, "tokenizing", stream=pipe) as bar:
        bar.update(10)
    with Progress(10, "tokenizing", enabled=False, stream=Terminal()) as bar:
        bar.update(10)
    assert pipe.getvalue() == "" and not bar.enabled


def test_unknown_totals_and_scaled_units():
    screen, clock = Terminal(), Clock()
    with Progress(None, "downloading", "MB", stream=screen, scale=1e6, clock=clock) as bar:
        clock.now = 2.0
        bar.update(8_000_000)
    assert screen.getvalue().split("\r")[-1].strip() == "downloading  8 MB, 4 MB/s, 0:02 elapsed"
