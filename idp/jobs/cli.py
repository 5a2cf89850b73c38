"""``idp worker`` (process documents) and ``idp purge`` (retention and clean-up)."""

from __future__ import annotations

import argparse
import contextlib
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``worker`` and ``purge``."""
    w = sub.add_parser(
        "worker",
        help="process documents: a Celery worker when IDP_BROKER_URL is set",
        description="With IDP_BROKER_URL set, run a Celery worker (prefork) on that Redis; "
        "without it, run worker threads that poll the database queue.",
    )
    w.add_argument("--concurrency", type=int, default=2, help="documents at a time")
    w.add_argument("--loglevel", default="INFO")
    w.set_defaults(func=run_worker)

    p = sub.add_parser(
        "purge",
        help="erase documents past their schema's retention, and leftovers",
        description="Erase finished documents older than their schema's retention_days "
        "(or --older-than-days for every document), objects no document owns, old "
        "idempotency keys and old webhook deliveries.",
    )
    p.add_argument("--older-than-days", type=float, default=None)
    p.add_argument("--dry-run", action="store_true", help="print what would go")
    p.set_defaults(func=run_purge)


def run_worker(args: argparse.Namespace) -> int:
    """Run until interrupted."""
    from idp.db.migrate import upgrade_database
    from idp.jobs.memory import limit_malloc_arenas
    from idp.settings import get_settings

    limit_malloc_arenas()
    settings = get_settings()
    upgrade_database(settings)
    if settings.broker_url:
        from idp.jobs.celery_app import run_worker as celery_worker
        from idp.jobs.runtime import Sweeper

        sweeper = Sweeper(settings)
        sweeper.start()
        celery_worker(args.concurrency, args.loglevel)
        sweeper.stop()
        return 0
    import signal
    import threading

    from idp.jobs.embedded import EmbeddedWorkers
    from idp.jobs.runtime import release_dead_local_claims

    release_dead_local_claims(settings)
    workers = EmbeddedWorkers(settings, args.concurrency)
    workers.start()
    print(f"idp worker: {args.concurrency} threads on the database queue", file=sys.stderr)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    workers.stop()
    return 0


def run_purge(args: argparse.Namespace) -> int:
    """Print one line per erased thing."""
    from idp.jobs.purge import purge
    from idp.settings import get_settings

    report = purge(get_settings(), older_than_days=args.older_than_days, dry_run=args.dry_run)
    for line in report:
        print(line)
    return 0
