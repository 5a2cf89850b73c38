"""``idp audit verify``: recompute the audit chain and fail when it was tampered with."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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
    v.add_argument(
        "--keys-dir",
        help="folder of audit key files (default: the service's audit.keys_dir, for its own "
        "database); without keys, keyed events cannot be checked",
    )
    v.add_argument(
        "--no-exported-head",
        action="store_true",
        help="do not check the newest signed head exported to object storage",
    )
    v.set_defaults(func=run_verify)
    e = audit_sub.add_parser(
        "export-head",
        help="write a signed copy of the chain's head to object storage (audit/heads/)",
    )
    e.set_defaults(func=run_export_head)


def run_verify(args: argparse.Namespace) -> int:
    """Print the outcome; exit 0 when the chain is intact, 1 when it is not."""
    from sqlalchemy.orm import Session

    from idp.audit import verify_chain
    from idp.audit.db import audit_engine
    from idp.audit.heads import latest_head
    from idp.audit.keyring import load_keyring
    from idp.settings import get_settings

    settings = get_settings()
    own_database = args.database_url in (None, settings.resolved_database_url())
    if args.keys_dir:
        settings = settings.model_copy(
            update={"audit": settings.audit.model_copy(update={"keys_dir": Path(args.keys_dir)})}
        )
    keyring = load_keyring(settings, create=False) if args.keys_dir or own_database else None
    expect_head = args.expect_head
    extra: list[str] = []
    if keyring is not None and own_database and not args.no_exported_head:
        try:
            exported = latest_head(settings, keyring)
        except ValueError as exc:
            extra.append(str(exc))
            exported = None
        if exported is not None and expect_head is None:
            expect_head = exported.head
    engine = audit_engine(args.database_url)
    with Session(engine) as session:
        report = verify_chain(session, expect_head=expect_head, keyring=keyring)
    engine.dispose()
    report.problems.extend(extra)
    report.ok = report.ok and not extra
    for note in report.notes:
        print(f"idp: audit: {note}", file=sys.stderr)
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


def run_export_head(args: argparse.Namespace) -> int:
    """Export the signed head now; prints its sequence number and hash."""
    from idp.audit.heads import export_head
    from idp.settings import get_settings

    head = export_head(get_settings())
    if head is None:
        print("the audit chain is empty; nothing exported", file=sys.stderr)
        return 0
    print(f"exported head of event {head.seq}: {head.head}")
    return 0
