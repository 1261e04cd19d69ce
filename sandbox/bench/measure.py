"""How the bench measures: A/B rounds in one run, medians, ratios, and peak memory of a process."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

import psutil


class PeakRss:
    """Sample a process's resident memory while a block runs (this process unless a pid is given)."""

    def __init__(self, pid: int | None = None, interval: float = 0.01):
        self.process, self.interval = psutil.Process(pid), interval

    def __enter__(self):
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.start) / 1e6, 1)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 1e6, 1)


def seconds(fn: Callable[[], object]) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def alternate(commands: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every command once per round, in turn (A, B, A, B ...), so both sides of a ratio share the machine's
    weather; each command returns its own seconds."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            times[name].append(round(command(), 3))
    return times


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else float("inf")
