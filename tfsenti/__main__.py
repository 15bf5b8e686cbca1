"""`python -m tfsenti` and the `tfsenti` command: the CLI, then its exit status (an interrupted
run ends by SIGINT, see `tfsenti._interrupts`)."""

import os
import sys
from typing import NoReturn

from tfsenti import _interrupts
from tfsenti.cli import main


def run() -> NoReturn:
    """Run the CLI on `sys.argv` and exit with its status."""
    # The process is the command's own, so TensorFlow's Keras may be tf_keras, the only Keras
    # tfsenti uses: TensorFlow's import then skips loading Keras 3, 1.2-1.6 s and 50 MB less at
    # each start. (`main` leaves the environment alone: a program calling it keeps its own Keras.)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    code = main()
    if code == _interrupts.INTERRUPTED:  # its line printed, its folder kept
        _interrupts.end_interrupted()
    sys.exit(code)


if __name__ == "__main__":
    run()
