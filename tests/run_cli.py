"""Run the `tfsenti` CLI in a subprocess, as a user would (and interrupt it there), or in this
process where only its output and exit code matter."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock


def tfsenti(*args: str, stdin: str | None = None, timeout: float = 600,
            **popen: Any) -> subprocess.CompletedProcess:
    """`python -m tfsenti ARGS`; `popen` goes to `subprocess.run` (cwd, env, user, ...). The
    test session's `TF_CPP_MIN_LOG_LEVEL` is left out of its environment: the CLI sets its own."""
    env = {k: v for k, v in popen.pop("env", os.environ).items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "tfsenti", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=timeout, env=env, **popen)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The `tfsenti: error:` line of a failed run, the only line it wrote to stderr."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfsenti: error:"), result.stderr
    return lines[0]


def run_here(capfd, *args: Any, cwd: Path | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`tfsenti ARGS` through `tfsenti.cli.main` in this process, in `cwd`, with `env` added to
    the environment: its exit code and what it wrote to file descriptors 1 and 2 (captured by
    pytest's `capfd`), as `subprocess.run` returns them. TensorFlow is already loaded here, so
    its start-up lines cannot show: tests of those start `tfsenti` in a fresh process."""
    from tfsenti.cli import main

    capfd.readouterr()
    with contextlib.chdir(cwd or Path.cwd()), mock.patch.dict(os.environ, env or {}):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse's own usage errors
            code = exit_.code
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(["tfsenti", *map(str, args)], code, out, err)


def refused(cwd: Path, *args: Any, code: int = 2, capfd=None, env: dict[str, str] | None = None,
            **popen: Any) -> str:
    """Run `tfsenti ARGS` in `cwd`, in this process when given pytest's `capfd`, else in a fresh
    process as a user would (`popen` goes to `subprocess.run`): it must exit with `code`, print
    nothing on stdout, write exactly one stderr line `tfsenti: error: MESSAGE` (in a fresh process
    TensorFlow's start-up and native lines, warnings and anything printed at exit would show) and
    leave `cwd` as it was. `env` is added to the environment. Returns MESSAGE."""
    before = snapshot(cwd)
    if capfd is not None:
        result = run_here(capfd, *args, cwd=cwd, env=env)
    else:
        result = tfsenti(*args, cwd=cwd, env={**os.environ, **(env or {})}, **popen)
    assert (result.returncode, result.stdout) == (code, ""), result.stderr
    assert snapshot(cwd) == before
    return error_line(result).removeprefix("tfsenti: error: ")


def snapshot(root: Path) -> list[str]:
    """Every path under `root`, relative and sorted: compared before and after a failed run."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def predict_records(capfd, *args) -> list[dict]:
    """The JSON lines `tfsenti predict ARGS --quiet` prints, run in this process."""
    result = run_here(capfd, "predict", *args, "--quiet")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def failing_run(capfd, *args) -> str:
    """The error line of `tfsenti ARGS` run in this process, which must fail with exit code 2.
    Its stderr is captured at the file descriptor, so TensorFlow's native log lines would show:
    all it may print besides the error are tfsenti's own progress lines."""
    result = run_here(capfd, *args)
    err = result.stderr
    assert result.returncode == 2, err
    assert all(line.startswith("tfsenti: ") for line in err.splitlines()), err
    (error,) = [line for line in err.splitlines() if line.startswith("tfsenti: error:")]
    return error


def interrupt_training(args: list, sig: signal.Signals, once: Path) -> tuple[int, str]:
    """Start `tfsenti train ARGS`, send `sig` once the path `once` exists; (exit code, stderr).
    SIGINT reaches it as Ctrl-C reaches a foreground command: with its default disposition, even
    where the test runner itself ignores SIGINT (a background job)."""
    run = subprocess.Popen([sys.executable, "-m", "tfsenti", *map(str, args), "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not once.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # into the next step
    assert run.poll() is None, "training finished before it could be interrupted"
    os.kill(run.pid, sig)
    _, stderr = run.communicate(timeout=120)
    return run.returncode, stderr


def killed_then_resumed(args: list, once: Path) -> None:
    """`tfsenti train ARGS` in a fresh process, killed with SIGKILL once the path `once` exists,
    then continued with `--resume` in this process: it must finish and say that it resumed."""
    from tfsenti.cli import main

    interrupt_training(args, signal.SIGKILL, once)
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        code = main([*map(str, args), "--resume"])
    assert code == 0 and "resuming the interrupted run" in stderr.getvalue(), stderr.getvalue()
