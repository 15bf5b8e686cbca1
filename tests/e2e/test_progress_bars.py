"""Long commands show a progress bar on a terminal's stderr, and none in a pipe."""

from __future__ import annotations

import contextlib
import io
import os
import pty
import subprocess
import sys

from tfsenti.cli import main


def _run_with_terminal_stderr(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, what a terminal on stderr received) of `tfsenti ARGS`."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tfsenti", *args], stdout=subprocess.PIPE,
                               stderr=terminal, text=True)
    os.close(terminal)
    received = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process exited
            break
        if not chunk:
            break
        received += chunk
    stdout = process.stdout.read()
    os.close(controller)
    return process.wait(), stdout, received.decode()


def test_predict_from_a_file_shows_progress_on_a_terminal_only(tiny_model, tmp_path, capsys):
    (tmp_path / "texts.txt").write_text("\n".join(f"review number {i}" for i in range(300)))
    args = ["predict", "--model", str(tiny_model), "--file", str(tmp_path / "texts.txt")]
    code, stdout, terminal = _run_with_terminal_stderr(*args)
    assert code == 0 and len(stdout.splitlines()) == 300
    assert "predicting  300/300 texts 100%" in terminal and "texts/s" in terminal
    assert main(args) == 0  # stderr captured by pytest, as in a pipe: no bar
    piped = capsys.readouterr()
    assert len(piped.out.splitlines()) == 300 and piped.err == ""
    with contextlib.redirect_stderr(_Terminal()) as terminal:  # --quiet, on a terminal
        assert main([*args, "--quiet"]) == 0
    assert "predicting" not in terminal.getvalue() and len(capsys.readouterr().out.splitlines()) == 300


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True

