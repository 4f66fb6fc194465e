"""``python -m strava_rehab.sandbox``: run the Strava sandbox in the foreground."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from .config import SandboxConfig
from .population import PopulationSpec
from .rate_limits import QUOTA_TIERS
from .sandbox import run_sandbox


def _parse_now(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--now must be ISO 8601 with a zone, e.g. 2026-11-27T10:00:00Z (got {raw!r})"
        ) from None
    if parsed.utcoffset() is None:
        raise argparse.ArgumentTypeError("--now needs a timezone, e.g. a trailing Z for UTC")
    return parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m strava_rehab.sandbox",
        description="A local fake Strava for demos and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--client-id", type=int, default=12345)
    parser.add_argument("--client-secret", default="sandbox-secret")
    parser.add_argument("--token-lifetime", type=int, default=21600, help="seconds")
    parser.add_argument("--no-seed", action="store_true", help="start with an empty history")
    parser.add_argument(
        "--quota-tier",
        choices=sorted(QUOTA_TIERS),
        help="per-app rate limits preset (default: standard, 200/2000 overall, 100/1000 read)",
    )
    parser.add_argument(
        "--athletes", type=int, default=0, help="seed a population of N runners (0: none)"
    )
    parser.add_argument("--population-seed", type=int, default=1)
    parser.add_argument("--history-days", type=int, default=42)
    parser.add_argument("--runs-per-day", type=float, default=2.0)
    parser.add_argument(
        "--schedule-days", type=float, default=1.0, help="future uploads for the clock to fire"
    )
    parser.add_argument("--now", type=_parse_now, help="freeze the clock at this time")
    args = parser.parse_args(argv)
    try:
        config = SandboxConfig(
            host=args.host,
            port=args.port,
            client_id=args.client_id,
            client_secret=args.client_secret,
            token_lifetime_s=args.token_lifetime,
            seed=not args.no_seed,
            now=args.now,
            quota_tier=args.quota_tier,
            population=None
            if args.athletes <= 0
            else PopulationSpec(
                athletes=args.athletes,
                seed=args.population_seed,
                history_days=args.history_days,
                runs_per_day=args.runs_per_day,
                schedule_days=args.schedule_days,
            ),
        )
        run_sandbox(config)
    except (ValueError, RuntimeError) as error:
        # A bad setting or a busy port: exit 1 (2 stays argparse's usage error).
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
