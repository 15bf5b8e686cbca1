"""Run the `tfsenti` CLI in a subprocess, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


def tfsenti(*args: str, stdin: str | None = None, timeout: float = 600,
            **popen: Any) -> subprocess.CompletedProcess:
    """`python -m tfsenti ARGS`; `popen` goes to `subprocess.run` (cwd, env, user, ...)."""
    return subprocess.run([sys.executable, "-m", "tfsenti", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=timeout, **popen)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The `tfsenti: error:` line of a failed run, the only line it wrote to stderr."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfsenti: error:"), result.stderr
    return lines[0]


def snapshot(root: Path) -> list[str]:
    """Every path under `root`, relative and sorted: compared before and after a failed run."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))
