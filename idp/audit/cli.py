"""``idp audit verify``: recompute the audit chain and fail when it was tampered with."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``idp audit`` and its ``verify`` sub-command."""
    p = sub.add_parser("audit", help="check the audit trail", description=__doc__)
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    v = audit_sub.add_parser(
        "verify",
        help="recompute every event's hash; exit 1 when an event was edited or deleted",
    )
    v.add_argument(
        "--expect-head",
        help="head hash recorded earlier (from a previous verify or GET /v1/audit); "
        "catches events cut off the end",
    )
    v.add_argument("--database-url", help="SQLAlchemy URL (default: the service's database)")
    v.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Print the outcome; exit 0 when the chain is intact, 1 when it is not."""
    from sqlalchemy.orm import Session

    from idp.audit import verify_chain
    from idp.audit.db import audit_engine

    engine = audit_engine(args.database_url)
    with Session(engine) as session:
        report = verify_chain(session, expect_head=args.expect_head)
    engine.dispose()
    if report.ok:
        print(f"audit chain intact: {report.events} events, head {report.head}")
        return 0
    for problem in report.problems:
        print(f"idp: audit: {problem}", file=sys.stderr)
    print(
        f"audit chain BROKEN: {len(report.problems)} problem(s) in {report.events} events",
        file=sys.stderr,
    )
    return 1
