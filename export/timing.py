"""Timing helper shared by the export benchmarks."""

import statistics
import time

__all__ = ["median_seconds"]


def median_seconds(function, repeats: int) -> float:
  """Median wall time of `function()` over `repeats` runs after a warm-up."""
  function()
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    function()
    times.append(time.perf_counter() - start)
  return statistics.median(times)
