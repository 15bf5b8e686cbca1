"""Run the `tfsenti` CLI in a subprocess, as a user would."""

from __future__ import annotations

import subprocess
import sys


def tfsenti(*args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfsenti", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The `tfsenti: error:` line of a failed run, the only line it wrote to stderr."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfsenti: error:"), result.stderr
    return lines[0]
