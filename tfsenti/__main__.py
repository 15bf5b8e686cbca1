"""`python -m tfsenti` and the `tfsenti` command: the CLI, then its exit status (an interrupted
run ends by SIGINT, see `tfsenti._interrupts`)."""

import sys
from typing import NoReturn

from tfsenti import _interrupts
from tfsenti.cli import main


def run() -> NoReturn:
    """Run the CLI on `sys.argv` and exit with its status."""
    code = main()
    if code == 130:  # interrupted: its line printed, its folder kept
        _interrupts.end_interrupted()
    sys.exit(code)


if __name__ == "__main__":
    run()
