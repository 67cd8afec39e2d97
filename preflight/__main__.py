"""`python -m preflight`: see preflight.cli."""

import sys

from .cli import main

sys.exit(main())
