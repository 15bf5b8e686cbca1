"""Loading TensorFlow for the command line without its start-up noise.

TensorFlow and tensorflow_text write C++ log lines (CUDA probing, oneDNN, absl) straight to file
descriptor 2 while they load and when the first device is looked up; a one-line error message
would drown in them. `load_tensorflow` points descriptor 2 at /dev/null only while that happens.
Python's own stderr (warnings, logging, tracebacks) keeps writing to the terminal throughout, and
everything after start-up reaches it as usual, except TensorFlow's native log lines, which
`TF_CPP_MIN_LOG_LEVEL=3` keeps quiet. `--verbose` or `TFSENTI_TF_LOGS=1` shows them all.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

SHOW_LOGS = "TFSENTI_TF_LOGS"
NATIVE_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 goes to /dev/null inside the block; `sys.stderr` still reaches the
    terminal (it writes to a copy of the original descriptor)."""
    sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = sys.stderr
    try:
        swap = python_stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # already redirected in Python (e.g. pytest)
        swap = False
    if swap:
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, errors="backslashreplace")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        if swap:
            sys.stderr.close()
            sys.stderr = python_stderr


def load_tensorflow(show_logs: bool = False) -> None:
    """Import TensorFlow, tensorflow_text, tensorflow_hub and tf_keras and look up the devices,
    with their native start-up logs hidden unless `show_logs` or `TFSENTI_TF_LOGS=1`.

    Quiet, it also sets `TF_CPP_MIN_LOG_LEVEL=3` (unless set) before TensorFlow loads: some native
    lines come later, in the middle of a command, such as oneDNN's "supports DT_INT64 only on
    platforms with AVX-512" error line at the first int64 op on AMD EPYC CPUs. Problems that
    matter reach Python as exceptions and become tfsenti's one-line errors.
    """
    quiet = not (show_logs or os.environ.get(SHOW_LOGS) == "1")
    if quiet:
        os.environ.setdefault(NATIVE_LOG_LEVEL, "3")  # read once, by TensorFlow's first log line
    with native_stderr_silenced() if quiet else contextlib.nullcontext():
        import tensorflow as tf
        import tensorflow_hub  # noqa: F401
        import tensorflow_text  # noqa: F401
        import tf_keras  # noqa: F401

        tf.config.list_physical_devices("GPU")  # CUDA probing logs its failure here
    if quiet:
        tf.get_logger().setLevel("ERROR")  # tf_keras save/load chatter that users cannot act on
