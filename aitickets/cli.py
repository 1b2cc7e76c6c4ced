"""The `aitickets` command: serve, migrate, seed, manage API keys.

Heavy modules are imported inside each command so that `aitickets serve` starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import sys


def _cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    os.environ.setdefault("AITICKETS_WORKER", "1")  # jobs, notifications, webhooks in-process
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
    from aitickets.settings import get_settings
    from persistence import migrate
    from tools.demo import seed_demo

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


def _cmd_mcp(args: argparse.Namespace) -> int:
    from aitickets.settings import get_settings
    from tools.mcp import serve_stdio

    settings = get_settings()
    return asyncio.run(serve_stdio(settings, args.key or settings.bootstrap_api_key))


def _cmd_eval(args: argparse.Namespace) -> int:
    from evals.command import main as run_evals

    return run_evals(
        args.paths,
        categories=args.category,
        min_pass=args.min_pass,
        json_path=args.json,
        repeat=args.repeat,
        llm=args.llm,
    )


def _cmd_worker(args: argparse.Namespace) -> int:
    from aitickets.settings import get_settings
    from integrations.jobs import run_worker
    from tools.context import system_clock

    asyncio.run(run_worker(get_settings(), system_clock))
    return 0


def _cmd_talk(args: argparse.Namespace) -> int:
    from agent.talk import talk

    return asyncio.run(talk(role=args.role, session_id=args.session))


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

    worker = sub.add_parser("worker", help="run background jobs (also run inside `serve`)")
    worker.set_defaults(func=_cmd_worker)

    mcp = sub.add_parser("mcp", help="serve the tools over MCP on stdio (desktop assistants)")
    mcp.add_argument("--key", default="", help="API key (default: AITICKETS_API_KEY)")
    mcp.set_defaults(func=_cmd_mcp)

    ev = sub.add_parser("eval", help="replay the voice agent's eval transcripts")
    ev.add_argument("paths", nargs="*", help="transcript files or folders (default: all)")
    ev.add_argument("--category", action="append", help="only this category (repeatable)")
    ev.add_argument("--min-pass", type=float, help="exit 1 under this pass rate, e.g. 0.95")
    ev.add_argument("--json", metavar="OUT", help="write the summary and every turn as JSON")
    ev.add_argument("--repeat", type=int, default=1, help="runs per conversation (pass^k)")
    ev.add_argument("--llm", action="store_true", help="keep OPENROUTER_API_KEY (LLM routing)")
    ev.set_defaults(func=_cmd_eval)

    talk = sub.add_parser("talk", help="talk to the voice agent in the terminal")
    talk.add_argument("--role", choices=["admin", "staff"], default="staff")
    talk.add_argument("--session", default="terminal", help="session id (resumes a conversation)")
    talk.set_defaults(func=_cmd_talk)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
