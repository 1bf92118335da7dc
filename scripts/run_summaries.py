"""Run the scheduled summaries job for one closed month in this process, without Core Tools or a
Durable host: the same activity code (shared/summaries.py), batch by batch, with a progress bar.
Use it to back-fill history or to re-run a month after late transactions:

    python -m scripts.run_summaries 2026-10                 # one month (+ its quarter/year if it closes them)
    python -m scripts.run_summaries 2025-01 2026-09         # every month from the first to the second
    python -m scripts.run_summaries 2026-10 --batch-size 1000 --quiet

It uses DATABASE_URL and SUMMARY_BATCH_SIZE like the app, and records each run in summary_runs.
"""
from __future__ import annotations

import argparse
import sys
import time


def _months(first: str, last: str) -> list[str]:
    from shared.services.months import parse_month, periods_between

    return [p.key for p in periods_between(parse_month(first).start, parse_month(last).end, "month")]


def _bar(label: str, quiet: bool):
    if quiet:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # a plain counter on stderr
        def plain(batches, total):
            for done, batch in enumerate(batches, 1):
                yield batch
                print(f"\r{label}: batch {done}/{total}", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
        return plain
    return lambda batches, total: tqdm(batches, total=total, desc=label, unit="batch", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Store period summaries for closed months, in-process.")
    parser.add_argument("first", help="a closed month, YYYY-MM")
    parser.add_argument("last", nargs="?", help="optional last month of a range, YYYY-MM")
    parser.add_argument("--batch-size", type=int, default=None, help="users per batch (SUMMARY_BATCH_SIZE)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    from shared.data.config import get_settings
    from shared.data.db import get_engine
    from shared.services.summaries import InvalidPeriod, parse_closed_month, run_locally

    try:
        first = parse_closed_month(args.first).key
        last = parse_closed_month(args.last).key if args.last else first
    except InvalidPeriod as exc:
        parser.error(f"period {exc}")
    if last < first:
        parser.error("the last month must not come before the first")
    get_engine()
    size = args.batch_size or get_settings().summary_batch_size
    for month in _months(first, last):
        started = time.perf_counter()
        result = run_locally(month, batch_size=size, manual=True, progress=_bar(month, args.quiet))
        print(f"{month}: {result.status}, {result.users} users in {result.batches} batches, "
              f"{result.rows_written} rows, {time.perf_counter() - started:.1f} s ({result.instance_id})")
        if result.status != "completed":
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
