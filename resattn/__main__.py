"""`python -m resattn` — the command-line interface."""

import sys

from resattn.cli import main

sys.exit(main())
