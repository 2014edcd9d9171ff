"""Validation against the evidence: declared patterns, many-seed checks, calibration, ODD.

- :mod:`sim.validation.patterns`: the evidence patterns, declared as data in
  ``validation/patterns.toml``, and the small expression language they read a run with;
- :mod:`sim.validation.measures`: per-run figures the summary does not already hold;
- :mod:`sim.validation.validate`: run the sites over many seeds and check every pattern;
- :mod:`sim.validation.calibrate`: Latin hypercube + pattern-oriented filtering (ABC rejection);
- :mod:`sim.validation.odd`: the ODD document's generated parameter tables;
- :mod:`sim.validation.cli`: the ``validate``, ``calibrate`` and ``odd`` commands.
"""
