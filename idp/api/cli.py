"""``idp serve``, ``idp migrate`` and ``idp keys``: run and administer the service."""

from __future__ import annotations

import argparse
import json
import sys

from idp.permissions import Role


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``serve``, ``migrate`` and ``keys``."""
    p = sub.add_parser(
        "serve",
        help="run the API (embedded: local folder, SQLite, workers inside)",
        description="Start the REST API. With no IDP_ settings it keeps everything under "
        "IDP_DATA_DIR (default ./idp-data) and processes documents in worker threads; "
        "migrations are applied at start.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument(
        "--workers", type=int, default=None, help="in-process worker threads (embedded mode)"
    )
    p.set_defaults(func=run_serve)

    m = sub.add_parser("migrate", help="apply database migrations (safe to repeat)")
    m.set_defaults(func=run_migrate)

    k = sub.add_parser("keys", help="create, list and revoke API keys")
    ksub = k.add_subparsers(dest="keys_command", required=True)
    c = ksub.add_parser("create", help="create a key and print it once")
    c.add_argument(
        "--role", required=True, choices=[role.value for role in Role]
    )
    c.add_argument("--name", default="", help="who or what the key is for")
    c.add_argument("--expires-in-days", type=float, default=None,
                   help="the key stops working after this many days (default: never)")
    c.set_defaults(func=run_keys_create)
    ls = ksub.add_parser("list", help="list keys (never their secrets)")
    ls.set_defaults(func=run_keys_list)
    r = ksub.add_parser("revoke", help="revoke a key by id")
    r.add_argument("key_id")
    r.set_defaults(func=run_keys_revoke)


def run_serve(args: argparse.Namespace) -> int:
    """Run uvicorn with the app."""
    import uvicorn
    from pydantic import ValidationError

    from idp.api.main import create_app
    from idp.api.server import server_options
    from idp.jobs.memory import limit_malloc_arenas
    from idp.settings import get_settings

    limit_malloc_arenas()
    try:
        settings = get_settings()
    except ValidationError as exc:
        # Only the reasons: pydantic's own text repeats the refused values (secrets).
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in exc.errors()
        )
        print(f"idp: configuration refused: {reasons}", file=sys.stderr)
        return 2
    if args.workers is not None:
        settings.jobs.workers = args.workers
    app = create_app(settings)
    workers = settings.jobs.workers
    mode = "scale (Celery)" if settings.broker_url else f"embedded ({workers} workers)"
    print(f"idp: serving on http://{args.host}:{args.port} — {mode}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                **server_options(settings))
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Apply migrations and print the revision."""
    from idp.db.migrate import current_revisions, upgrade_database

    upgrade_database()
    print("database at", ", ".join(sorted(current_revisions())))
    return 0


def run_keys_create(args: argparse.Namespace) -> int:
    """Create a key; the secret is printed on stdout once."""
    from idp.audit import record_event
    from idp.audit.keyring import install_keyring
    from idp.db import session_scope
    from idp.db.migrate import upgrade_database
    from idp.keys import create_key
    from idp.settings import get_settings

    upgrade_database()
    install_keyring(get_settings())
    with session_scope() as session:
        row, secret = create_key(session, args.role, args.name, args.expires_in_days)
        record_event(session, actor="cli", action="key.create", target_type="api_key",
                     target_id=row.id, details={"role": row.role})
    print(secret)
    print(f"key id {row.id}, role {row.role}: keep it safe, it is not shown again",
          file=sys.stderr)
    return 0


def run_keys_list(args: argparse.Namespace) -> int:
    """One JSON object per key."""
    from idp.audit import record_event
    from idp.audit.keyring import install_keyring
    from idp.db import session_scope
    from idp.db.migrate import upgrade_database
    from idp.keys import list_keys
    from idp.settings import get_settings

    upgrade_database()
    install_keyring(get_settings())
    with session_scope() as session:
        record_event(session, actor="cli", action="key.list", target_type="api_key",
                     target_id=None)
        for row in list_keys(session):
            print(json.dumps({
                "id": row.id, "name": row.name, "role": row.role,
                "created_at": row.created_at.isoformat(),
                "revoked": row.revoked_at is not None,
            }))
    return 0


def run_keys_revoke(args: argparse.Namespace) -> int:
    """Revoke by id."""
    from idp.audit import record_event
    from idp.audit.keyring import install_keyring
    from idp.db import session_scope
    from idp.keys import revoke_key
    from idp.settings import get_settings

    install_keyring(get_settings())
    with session_scope() as session:
        revoke_key(session, args.key_id)
        record_event(session, actor="cli", action="key.revoke", target_type="api_key",
                     target_id=args.key_id)
    print(f"revoked {args.key_id}", file=sys.stderr)
    return 0
