"""`python -m sim` is `curtain`."""

import sys

from sim.cli import main

if __name__ == "__main__":  # spawned worker processes (e.g. Dask's) import this module too
    sys.exit(main())
