"""The experiment engine: replicated comparisons, sweeps and sensitivity analyses.

What is run, how it is run and where results go are separate parts:

- :mod:`~sim.experiments.spec`: experiment files (``experiments/*.toml``), validated;
- :mod:`~sim.experiments.design`: a design (compare, factorial, LHS, Sobol, Morris) turned
  into a list of run :class:`~sim.experiments.design.Task` descriptions;
- :mod:`~sim.experiments.task`: one run of one task, to one outcome row and a compact
  per-day frame (failures caught and recorded);
- :mod:`~sim.experiments.executors`: serial, a local process pool, or Dask distributed;
- :mod:`~sim.experiments.store`: part files written atomically as runs finish, a manifest,
  resume, and consolidation into ``runs.parquet`` and ``daily.parquet``;
- :mod:`~sim.experiments.analysis`, :mod:`~sim.experiments.figures`,
  :mod:`~sim.experiments.report`, :mod:`~sim.experiments.sensitivity`: what the results say.
"""
