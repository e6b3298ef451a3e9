"""The regional place coverage of `outpost eval` (its `coverage` row), per country and script.

    .venv/bin/python benchmarks/place_coverage.py [--population 10000]

Not a speed benchmark: the eval row gives recall over all cases and per script; this prints
the same cases' recall for each country (or province) of the watched region and each script,
found / resolved (`outpost.evaluate.coverage`), so that a weak country shows. About a minute
and a half on one core.
"""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from outpost.config import load_settings
from outpost.evaluate import coverage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=coverage.POPULATION)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = coverage.tallies(load_settings().watched_region, args.population)
    countries = [*sorted({country for country, _ in counts if country != "all"}), "all"]
    table = Table(title=f"Towns of at least {args.population:,} people: found / resolved (cases)")
    table.add_column("country")
    for script in (*coverage.SCRIPTS, "all"):
        table.add_column(script, justify="right")
    for country in countries:
        row = [country]
        for script in (*coverage.SCRIPTS, "all"):
            tally = counts.get((country, script))
            if script == "all" and country != "all":
                tally = _summed([t for (c, _), t in counts.items() if c == country])
            row.append(_cell(tally))
        table.add_row(*row)
    Console().print(table)
    print(f"{time.perf_counter() - started:.0f} s")


def _summed(tallies: list[coverage.Tally]) -> coverage.Tally:
    total = coverage.Tally()
    for tally in tallies:
        total.cases += tally.cases
        total.found += tally.found
        total.resolved += tally.resolved
    return total


def _cell(tally: coverage.Tally | None) -> str:
    if tally is None or not tally.cases:
        return ""
    return f"{tally.found / tally.cases:.3f} / {tally.resolved / tally.cases:.3f} ({tally.cases})"


if __name__ == "__main__":
    main()
