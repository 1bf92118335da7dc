"""Run the recurring timer's job in this process, without Core Tools: post every due occurrence of
every schedule and linked income source (catching up missed days), each exactly once, so it is safe
to run at any time, twice, or beside the timer:

    python -m scripts.run_recurring                     # as the timer would, for today (UTC)
    python -m scripts.run_recurring --today 2026-11-30  # as if it were that day (posts nothing twice)
    python -m scripts.run_recurring --user 42 --quiet   # one user's schedules only

It uses DATABASE_URL like the app. The exit status is 1 when a schedule could not be posted.
"""
from __future__ import annotations

import argparse
import datetime as dt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Post due recurring transactions and income, in-process.")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="post what is due up to this day, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--user", type=int, default=None, help="only this user's schedules and income sources")
    parser.add_argument("--quiet", action="store_true", help="print nothing unless something was skipped")
    args = parser.parse_args(argv)

    from shared.data.db import get_engine
    from shared.services.posting import post_due

    get_engine()
    run = post_due(args.today, user_id=args.user)
    if not args.quiet or run.skipped:
        print(f"{run.day}: {run.sources} due, {run.posted} posted, {len(run.skipped)} skipped")
        for skipped in run.skipped:
            print(f"  {skipped['kind']} {skipped['id']}: {skipped['reason']}")
    return 1 if run.skipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
