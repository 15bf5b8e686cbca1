"""Ctrl-C as one thing, wherever it lands.

A SIGINT makes Python raise `KeyboardInterrupt` in the main thread. When it lands while
TensorFlow's native code is raising an error of its own (loading a SavedModel probes attributes
and catches the misses), pybind11 replaces that error with a `RuntimeError` naming both, so the
interrupt reaches the CLI as a `RuntimeError` and would print a traceback. `recording` notes each
SIGINT, and `caused` then tells the CLI and the output staging that the exception in hand is the
interrupt, whatever its type. A second Ctrl-C, while the first one is still being handled (its
line printed, a staging folder removed), ends the process at once instead of raising again inside
that handling.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

_received = threading.Event()


def _on_sigint(signum: int, frame: object) -> None:
    if _received.is_set():  # the user insists: no second traceback, no more cleanup
        os.write(2, b"tfsenti: interrupted again; exiting at once\n")
        os._exit(130)
    _received.set()
    raise KeyboardInterrupt


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Note each SIGINT inside the block; the first still raises `KeyboardInterrupt` as Python's
    own handler does, a second exits with status 130 at once. Where SIGINT is not Python's
    (ignored in a background job, or another handler set) or this is not the main thread, the
    block changes nothing.

    Example (SIGINT set to Python's own handler, as in a foreground command):
        >>> import os
        >>> previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        >>> with recording():
        ...     try:
        ...         os.kill(os.getpid(), signal.SIGINT)
        ...     except KeyboardInterrupt:
        ...         err = RuntimeError("REPLACED BY KeyboardInterrupt")  # as pybind11 does
        ...     interrupted = caused(err)
        >>> _ = signal.signal(signal.SIGINT, previous)
        >>> interrupted, caused(RuntimeError("outside the block"))
        (True, False)
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    _received.clear()
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _received.clear()


def caused(exc: BaseException) -> bool:
    """Whether `exc` is, or follows, a Ctrl-C: a `KeyboardInterrupt`, or any exception raised
    after a SIGINT inside a `recording` block."""
    return isinstance(exc, KeyboardInterrupt) or _received.is_set()
