"""`python -m sim` is `curtain`."""

import sys

from sim.cli import main

sys.exit(main())
