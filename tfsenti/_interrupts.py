"""Ctrl-C as one thing, wherever it lands.

A SIGINT makes Python raise `KeyboardInterrupt` in the main thread. When it lands while
TensorFlow's native code is raising an error of its own (loading a SavedModel probes attributes
and catches the misses), pybind11 replaces that error with a `RuntimeError` naming both, so the
interrupt reaches the CLI as a `RuntimeError` and would print a traceback. `recording` notes each
SIGINT, and `caused` then tells the CLI and the output staging that the exception in hand is the
interrupt, whatever its type. A second Ctrl-C, while the first one is still being handled (its
line printed, a staging folder removed), ends the process at once instead of raising again inside
that handling.

An interrupted process ends the way Python ends one on an unhandled Ctrl-C: killed by its own
SIGINT (`end_interrupted`). A shell reports that as status 130, and a shell loop or script that
ran the command stops too, where a plain exit with 130 would let it go on. Python itself
sometimes ends so even after the CLI has handled the Ctrl-C (when the interrupt passed through
native code that runs Python source), so ending that way every time makes the status one thing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import NoReturn

INTERRUPTED = 130  # `main`'s status on a Ctrl-C: what a shell shows for a SIGINT death
_received = threading.Event()


def _on_sigint(signum: int, frame: object) -> None:
    if _received.is_set():  # the user insists: no second traceback, no more cleanup
        os.write(2, b"tfsenti: interrupted again; exiting at once\n")
        end_interrupted(flush=False)
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


def end_interrupted(flush: bool = True) -> NoReturn:
    """End this process by SIGINT with the default action, as an unhandled Ctrl-C ends Python
    (a shell's status 130); `flush` writes out stdout and stderr first. Only for a command's last
    step: nothing else runs after it, not even `atexit` handlers.

    Example (in a child process, as a finished command would call it):
        >>> import subprocess, sys
        >>> code = "from tfsenti._interrupts import end_interrupted; print('bye'); end_interrupted()"
        >>> run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        >>> run.stdout, run.returncode == -signal.SIGINT
        ('bye\\n', True)
    """
    if flush:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # closed, or a pipe the reader has gone from
                stream.flush()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.raise_signal(signal.SIGINT)
    os._exit(INTERRUPTED)  # only where SIGINT is blocked in this thread
