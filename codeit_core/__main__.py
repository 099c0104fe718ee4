"""`python -m codeit_core ...`: the headless command line (see codeit_core/cli.py)."""

import sys

from codeit_core.cli import main

sys.exit(main())
