"""``metrics._active_in_window`` (linear memory) against the responders x days matrix it
replaced, on random event lists."""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics import _active_in_window


def matrix_count(actors: np.ndarray, days: np.ndarray, n: int, window: int) -> np.ndarray:
    """The previous implementation, kept as the reference: one row per actor, one column
    per day, so memory grows with actors x days."""
    if len(actors) == 0 or n == 0:
        return np.zeros(n, dtype=np.int64)
    ids, index = np.unique(actors, return_inverse=True)
    hits = np.zeros((len(ids), n + 1), dtype=np.int32)
    np.add.at(hits, (index, days + 1), 1)
    upper = np.cumsum(hits, axis=1)[:, 1:]
    lower = np.zeros_like(upper)
    if n > window:
        lower[:, window:] = upper[:, : n - window]
    return ((upper - lower) > 0).sum(axis=0)


@pytest.mark.parametrize("seed", range(40))
def test_same_counts_as_the_matrix(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    window = int(rng.choice([1, 7, 30, 90, 500]))
    events = int(rng.integers(0, 2000))
    actors = rng.integers(0, int(rng.integers(1, 300)), size=events) * 7 + 3  # sparse ids
    days = rng.integers(0, n, size=events)
    if seed % 2:  # bursts: many events of one actor on the same and on adjacent days
        days = np.sort(days) // 5 * 5
    got = _active_in_window(actors, days, n, window)
    want = matrix_count(actors, days, n, window)
    assert got.shape == (n,)
    np.testing.assert_array_equal(got, want)


def test_by_hand():
    # actor 1 on days 0 and 2, actor 2 on day 3; window 2: active on d and d + 1.
    got = _active_in_window(np.array([1, 1, 2]), np.array([0, 2, 3]), 6, 2)
    np.testing.assert_array_equal(got, [1, 1, 1, 2, 1, 0])
    empty = np.array([], dtype=np.int64)
    np.testing.assert_array_equal(_active_in_window(empty, empty, 4, 30), np.zeros(4))
