"""Fetch the ECB euro reference rates and store them, in this process, without the Functions host
(the same code as the daily timer). Use it for a first fill or to catch up:

    python -m scripts.fetch_fx_rates                                   # FX_RATES_URL
    python -m scripts.fetch_fx_rates https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml

It uses DATABASE_URL like the app. Storing is idempotent; a failure stores nothing (exit status 1).
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Store the ECB euro reference rates, in-process.")
    parser.add_argument("url", nargs="?", help="the eurofxref XML document (default: FX_RATES_URL)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the document")
    args = parser.parse_args(argv)

    from shared.data.config import get_settings
    from shared.data.db import get_engine
    from shared.services.fx_rates import FetchFailed, fetch_reference_rates

    url = args.url or get_settings().fx_rates_url
    if not url:
        parser.error("no URL given and FX_RATES_URL is not set")
    get_engine()
    try:
        result = fetch_reference_rates(url, timeout=args.timeout)
    except FetchFailed as exc:
        print(f"nothing stored: {exc}", file=sys.stderr)
        return 1
    print(f"stored {result.rates} rates for {result.days} day(s), {result.first} to {result.last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
