"""The Solara app: `solara run sim/dashboard/app.py` serves :func:`Page`.

Start it with `curtain dashboard` (see :mod:`sim.dashboard.server`), which passes the scenario,
the comparison and the seed in environment variables and binds to 127.0.0.1 only.
"""

from sim.dashboard.views import Page

__all__ = ["Page"]
