"""The `aitickets` command: serve, migrate, seed, manage API keys.

Heavy modules are imported inside each command so that `aitickets serve` starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import sys


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )
    return 0


def _cmd_db(args: argparse.Namespace) -> int:
    from aitickets.settings import get_settings
    from persistence import migrate

    url = get_settings().resolved_database_url
    if args.action == "upgrade":
        migrate.upgrade(url)
        print("database is at the latest schema")
    elif args.action == "revision":
        migrate.revision(url, args.message or "change")
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from tools.demo import seed_demo

    from aitickets.settings import get_settings
    from persistence import migrate

    settings = get_settings()
    migrate.upgrade(settings.resolved_database_url)
    summary = asyncio.run(seed_demo(settings, only_if_empty=args.if_empty))
    print(summary)
    return 0


def _cmd_keys(args: argparse.Namespace) -> int:
    from aitickets.settings import get_settings
    from persistence import migrate
    from tools.keys import create_key_offline, list_keys_offline, revoke_key_offline

    settings = get_settings()
    migrate.upgrade(settings.resolved_database_url)
    if args.action == "create":
        key = asyncio.run(create_key_offline(settings, name=args.name, role=args.role))
        print(key)
        print("Store it now: it is shown once and kept only as a hash.", file=sys.stderr)
    elif args.action == "list":
        for line in asyncio.run(list_keys_offline(settings)):
            print(line)
    elif args.action == "revoke":
        asyncio.run(revoke_key_offline(settings, key_id=args.id))
        print(f"key {args.id} revoked")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aitickets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=_cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "revision"])
    db.add_argument("-m", "--message")
    db.set_defaults(func=_cmd_db)

    seed = sub.add_parser("seed", help="load the demo venue")
    seed.add_argument("--if-empty", action="store_true", help="do nothing if events exist")
    seed.set_defaults(func=_cmd_seed)

    keys = sub.add_parser("keys", help="API keys")
    keys.add_argument("action", choices=["create", "list", "revoke"])
    keys.add_argument("--role", choices=["admin", "staff", "agent"], default="staff")
    keys.add_argument("--name", default="unnamed")
    keys.add_argument("--id", type=int)
    keys.set_defaults(func=_cmd_keys)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
