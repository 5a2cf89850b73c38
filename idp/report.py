"""``idp report``: the operators' KPIs in the terminal (or as JSON), from the same numbers
as ``/metrics`` and the dashboard."""

from __future__ import annotations

import argparse
import json
import math


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``idp report``."""
    p = subparsers.add_parser(
        "report",
        help="print throughput, straight-through rate, queue depth and review KPIs",
        description="Print the KPIs now and day by day (UTC) over the last DAYS days.",
    )
    p.add_argument("--days", type=int, default=14, help="days of history (default 14)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Carry out ``idp report``."""
    from idp import metrics
    from idp.db import get_session_factory
    from idp.settings import get_settings
    from idp.storage import RecordStore, get_storage

    settings = get_settings()
    records = RecordStore(get_storage(settings))
    with get_session_factory(settings)() as session:
        kpis = metrics.collect(session, records)
        days = metrics.daily(session, max(1, args.days))
    if args.json:
        print(json.dumps(metrics.as_json(kpis, days), indent=2))
        return 0
    width = max(len(name) for name, _ in metrics.summary_rows(kpis))
    for name, value in metrics.summary_rows(kpis):
        print(f"{name:<{width}}  {value}")
    if kpis.stage_seconds:
        print("\nstage            median     p90   documents")
        for stage, values in sorted(kpis.stage_seconds.items()):
            p50, p90 = metrics.quantile(values, 0.5), metrics.quantile(values, 0.9)
            print(f"{stage:<14} {p50:8.2f}s {p90:7.2f}s {len(values):9d}")
    print("\nday         processed  pages  straight-through  reviewed  corrections  "
          "median decision")
    for d in days:
        stp = "–" if math.isnan(d.straight_through_rate) else f"{d.straight_through_rate:.0%}"
        dec = "–" if math.isnan(d.median_decision_seconds) else f"{d.median_decision_seconds:.0f}s"
        print(f"{d.day.isoformat()}  {d.processed:9d}  {d.pages:5d}  {stp:>16}  "
              f"{d.reviewed:8d}  {d.corrections:11d}  {dec:>15}")
    return 0
