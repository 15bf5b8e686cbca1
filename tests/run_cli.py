"""Run the `tfsenti` CLI in a subprocess, as a user would."""

from __future__ import annotations

import subprocess
import sys


def tfsenti(*args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfsenti", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one `tfsenti: error:` line of a failed run (TensorFlow's start-up logs aside)."""
    lines = [l for l in result.stderr.splitlines() if l.startswith("tfsenti: error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return lines[0]
