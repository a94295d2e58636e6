"""Benchmark of the date grammar: how long `partnerkb.dates.parse_date` takes to read one date of
each family of forms, compared with a floor measured in the same run.

The floor is `datetime.date.fromisoformat` on an ISO day (the least any date reader can cost) and,
for information, `dateutil.parser.parse` on the same written dates (what the old reader handed
most texts to). Each figure is the median over `--runs` rounds of the time per call of a loop of
`--calls` calls; rounds interleave the families and the floor, so that load drifts hit all alike.
The corpus import (7,535 ISO dates read twice) is dominated by the ISO family.

    python bench/bench_dates.py                 # 7 rounds of 2,000 calls
    python bench/bench_dates.py --runs 3 --calls 500
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from partnerkb.dates import parse_date  # noqa: E402

REFERENCE = date(2024, 1, 31)
FAMILIES: dict[str, list[str]] = {
    "ISO day": ["2024-01-30", "1866-01-09", "1999-12-31"],
    "EDTF month, interval, set": ["2024-05", "2024-05/2024-06", "[..2022-11-20]"],
    "written day": ["30 January 2024", "January 30, 2024", "Tuesday 30 January 2024"],
    "range": ["1-3 May 2024", "May 1-3, 2024", "30 January – 2 February 2024"],
    "qualified, part of a year": ["around May 2024", "before 2024", "early 2023"],
    "relative": ["later this year", "on Tuesday", "at the beginning of next year"],
}


def per_call(function: Callable[[str], object], texts: list[str], calls: int) -> float:
    """Seconds per call of `function` over `calls` calls cycling through `texts`."""
    items = (texts * (calls // len(texts) + 1))[:calls]
    start = time.perf_counter()
    for text in items:
        function(text)
    return (time.perf_counter() - start) / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    from dateutil import parser as dateutil_parser

    def grammar(text: str) -> object:
        return parse_date(text, REFERENCE)

    timings: dict[str, list[float]] = {name: [] for name in FAMILIES}
    floor: list[float] = []
    dateutil_times: list[float] = []
    written = FAMILIES["written day"]
    for _ in range(args.runs):
        floor.append(per_call(date.fromisoformat, FAMILIES["ISO day"], args.calls))
        dateutil_times.append(per_call(dateutil_parser.parse, written, args.calls))
        for name, texts in FAMILIES.items():
            timings[name].append(per_call(grammar, texts, args.calls))
    floor_us = statistics.median(floor) * 1e6
    print(f"floor: date.fromisoformat {floor_us:.2f} µs; dateutil.parser.parse on written days "
          f"{statistics.median(dateutil_times) * 1e6:.1f} µs")  # fmt: skip
    print("| family | µs per date | × floor |")
    print("|---|---|---|")
    for name, values in timings.items():
        us = statistics.median(values) * 1e6
        print(f"| {name} | {us:.1f} | {us / floor_us:.0f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
