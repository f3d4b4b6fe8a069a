"""Benchmark: memory of a 100,000-row export, CSV and XLSX, streamed from a generator.

Feeds services/analytics/exports.py a generator of N leaderboard-shaped rows (rank, name, teams, kind, points,
shares, clicks) and reads the chunks as a response would, measuring with tracemalloc the peak of Python memory
while it runs; then the same rows held in a list, for comparison. Prints the figures; asserts nothing.

    python bench/exports.py            # 100,000 rows
    python bench/exports.py --rows 20000
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ambassador.services.analytics import exports  # noqa: E402

HEADER = ("rank", "name", "teams", "kind", "points", "shares", "clicks")


def rows(count: int):
    for n in range(count):
        yield (n + 1, f"Member number {n:06}", "Sales; Stores", "internal", 100_000 - n, n % 50, n % 300)


def drain(fmt: str, count: int) -> int:
    table = exports.Table(name="bench", header=HEADER, rows=rows(count))
    return sum(len(chunk) for chunk in exports.chunks(table, fmt))


def measure(fmt: str, count: int) -> None:
    """Time without tracemalloc (it slows XlsxWriter many times over), then memory with it."""
    started = time.perf_counter()
    size = drain(fmt, count)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    drain(fmt, count)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{fmt}: {count:,} rows, {size / 1e6:.1f} MB written in {elapsed:.1f} s, "
          f"peak Python memory {peak / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    count = parser.parse_args().rows
    for fmt in exports.FORMATS:
        measure(fmt, count)
    tracemalloc.start()
    held = list(rows(count))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"for comparison, the same {len(held):,} rows held in a list: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
