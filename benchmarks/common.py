"""Timing helper shared by the benchmark sections."""

import time


def best_time(fn, repeat: int):
    """Best wall time of ``repeat`` calls of ``fn`` and the last result."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value
