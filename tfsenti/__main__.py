"""`python -m tfsenti` runs the CLI."""

import sys

from tfsenti.cli import main

sys.exit(main())
