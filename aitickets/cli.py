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

    from aitickets import production
    from aitickets.settings import get_settings

    os.environ.setdefault("AITICKETS_WORKER", "1")  # jobs, notifications, webhooks in-process
    unsafe = production.problems(get_settings())
    if unsafe:  # said plainly here; create_app refuses too, for any other way of starting it
        print(production.UnsafeForProduction(unsafe), file=sys.stderr)
        return 2
    _default_public_url(args.host, args.port)
    import threading

    if os.environ.get("AITICKETS_WARM_VOICE", "1") != "0":
        threading.Thread(target=_warm_voice, name="voice-warm", daemon=True).start()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        # Who the client is behind a proxy is settled in one place, web/limits.py, from
        # TRUST_FORWARDED_FOR and TRUSTED_PROXIES; uvicorn's own rewrite would trust loopback.
        proxy_headers=False,
    )
    return 0


WARM_AFTER_SECONDS = 2.0


def _warm_voice() -> None:
    """Load the voice agent's heavy parts while the server starts (LangGraph, the router's
    fitted model, the LLM client's library when a key is set), not on the first caller's turn,
    which has a 2 s budget with an LLM."""
    import logging
    import time

    time.sleep(WARM_AFTER_SECONDS)  # let the server answer first: start-up stays about a second
    try:
        import agent.service  # noqa: F401  (LangGraph and the graph)
        from agent.router.rank import Ranker
        from aitickets.settings import get_settings
        from tools import registry

        Ranker.build(registry)
        if get_settings().openrouter_api_key:
            import langchain_openai  # noqa: F401
    except Exception:  # the first turn will load them instead
        logging.getLogger("aitickets.voice").exception("could not warm the voice agent")


def _default_public_url(host: str, port: int) -> None:
    """Links in messages and checkouts point where this server listens unless
    AITICKETS_PUBLIC_URL (or PUBLIC_BASE_URL, in the environment or .env) says otherwise."""
    import os

    from aitickets.settings import Settings, get_settings

    if "public_base_url" in Settings().model_fields_set:
        return
    # A wildcard address is where we listen, not where anyone can reach us.
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    os.environ["AITICKETS_PUBLIC_URL"] = f"http://{shown}:{port}"
    get_settings.cache_clear()


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
    from aitickets.errors import TicketsError
    from aitickets.settings import get_settings
    from tools.runner import call_offline

    settings = get_settings()
    try:
        if args.action == "create":
            made = asyncio.run(
                call_offline(settings, "create_api_key", {"name": args.name, "role": args.role})
            )
            print(made.key)
            print("Store it now: it is shown once and kept only as a hash.", file=sys.stderr)
        elif args.action == "list":
            listed = asyncio.run(call_offline(settings, "list_api_keys", {"include_revoked": True}))
            for r in listed.keys:
                state = "revoked" if r.revoked_at else "active"
                print(f"{r.id}\t{r.role}\t{r.name}\t{r.prefix}…\t{state}")
        elif args.action == "revoke":
            asyncio.run(call_offline(settings, "revoke_api_key", {"key_id": args.id}))
            print(f"key {args.id} revoked")
    except TicketsError as exc:
        print(f"keys: {exc.message}", file=sys.stderr)
        return 1
    return 0


def _cmd_staff_phone(args: argparse.Namespace) -> int:
    from aitickets.errors import TicketsError
    from aitickets.settings import get_settings
    from tools.runner import call_offline

    settings = get_settings()
    try:
        if args.action == "add":
            arguments = {"phone": args.phone or "", "role": args.role, "name": args.name}
            row = asyncio.run(call_offline(settings, "add_staff_phone", arguments))
            print(f"{row.id}\t{row.role}\t{row.phone}\t{row.name}")
        elif args.action == "list":
            for r in asyncio.run(call_offline(settings, "list_staff_phones", {})).phones:
                print(f"{r.id}\t{r.role}\t{r.phone}\t{r.name}")
        else:
            row = asyncio.run(call_offline(settings, "remove_staff_phone", {"phone_id": args.id}))
            print(f"staff phone {row.id} removed")
    except TicketsError as exc:
        print(f"staff-phone: {exc.message}", file=sys.stderr)
        return 1
    return 0


def _cmd_voice_config(args: argparse.Namespace) -> int:
    import json

    from aitickets.errors import TicketsError
    from tools import registry
    from tools.voice_config import SETUP_NOTES, voice_config

    try:
        config = voice_config(args.platform, args.url, args.role, tools=registry)
    except TicketsError as exc:
        print(f"voice-config: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(config, indent=2, ensure_ascii=False))
    print(SETUP_NOTES[args.platform].format(role=args.role), file=sys.stderr)
    return 0


def _cmd_transcripts(args: argparse.Namespace) -> int:
    from aitickets.errors import TicketsError
    from aitickets.settings import get_settings
    from memory.transcripts import transcript_yaml
    from tools.runner import call_offline

    settings = get_settings()
    try:
        if args.action == "list":
            listed = asyncio.run(
                call_offline(settings, "list_voice_sessions", {"limit": args.limit})
            )
            for s in listed.sessions:
                print(f"{s.session_id}\t{s.turns} turns\tlast {s.last_at.isoformat()}")
            if not listed.sessions:
                print("no voice sessions recorded yet", file=sys.stderr)
            return 0
        arguments = {"session_id": args.session_id, "category": args.category}
        exported = asyncio.run(call_offline(settings, "export_voice_transcript", arguments))
    except TicketsError as exc:
        print(f"transcripts: {exc.message}", file=sys.stderr)
        return 1
    text = transcript_yaml(exported.transcript)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"{exported.turns} turns written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
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

    phones = sub.add_parser("staff-phone", help="phones that call the phone line as staff")
    phones.add_argument("action", choices=["add", "list", "remove"])
    phones.add_argument("--phone", help="the number, e.g. +15550100199 or 555-010-0199")
    phones.add_argument("--role", choices=["staff", "admin"], default="staff")
    phones.add_argument("--name", default="", help="who it is, e.g. 'door phone'")
    phones.add_argument("--id", type=int, help="the staff phone to remove")
    phones.set_defaults(func=_cmd_staff_phone)

    vc = sub.add_parser("voice-config", help="tool configuration to paste into a voice platform")
    vc.add_argument("platform", choices=["vapi", "retell", "elevenlabs"])
    vc.add_argument("--url", required=True, help="this server's public address (https://…)")
    vc.add_argument("--role", choices=["agent", "staff", "admin"], default="staff")
    vc.set_defaults(func=_cmd_voice_config)

    worker = sub.add_parser("worker", help="run background jobs (also run inside `serve`)")
    worker.set_defaults(func=_cmd_worker)

    tr = sub.add_parser("transcripts", help="recorded voice sessions, exported as eval transcripts")
    tr_sub = tr.add_subparsers(dest="action", required=True)
    tr_list = tr_sub.add_parser("list", help="sessions with their turn count and last time")
    tr_list.add_argument("--limit", type=int, default=50, help="at most this many (1-200)")
    tr_export = tr_sub.add_parser("export", help="one session as YAML for evals/transcripts")
    tr_export.add_argument("session_id")
    tr_export.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    tr_export.add_argument("--category", default="recorded", help="eval category to file it under")
    tr.set_defaults(func=_cmd_transcripts)

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
