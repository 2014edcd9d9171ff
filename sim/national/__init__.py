"""A national system: many organisations on one platform (issue 10).

A *system file* (for instance ``scenarios/national/england.toml``) describes a platform
shared by many organisations, groups of organisations drawn from culture files with
distributions over their values (or listed one by one), the typology rule that classes each
organisation, and national policies. :mod:`sim.national.system` loads and validates it,
:mod:`sim.national.sampling` draws the organisations, :mod:`sim.national.runner` runs them
(serially, in a process pool or on Dask) and writes the national run folder,
:mod:`sim.national.typology` classes organisations and :mod:`sim.national.validate` checks
the national evidence patterns. See docs/national.md.
"""
