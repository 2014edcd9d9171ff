"""`python -m sim` is `curtain`."""

from sim.cli import console

if __name__ == "__main__":  # spawned worker processes (e.g. Dask's) import this module too
    console()
