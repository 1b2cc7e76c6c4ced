"""`aitickets eval`: load transcripts, replay them, print the report, exit non-zero under the
required pass rate (or on a transcript that does not follow the format)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .format import TranscriptError, load, registry_problems
from .report import details, format_text, summarise
from .runner import run_sync


def main(
    paths: list[str],
    *,
    categories: list[str] | None = None,
    min_pass: float | None = None,
    json_path: str | None = None,
    repeat: int = 1,
    llm: bool = False,
) -> int:
    try:
        transcripts = load([Path(p) for p in paths] or None)
    except TranscriptError as exc:
        print(f"eval: {exc}", file=sys.stderr)
        return 2
    problems = [p for t in transcripts for p in registry_problems(t)]
    if problems:
        print(
            "eval: transcripts disagree with the registry:", *problems, sep="\n  ", file=sys.stderr
        )
        return 2
    if categories:
        transcripts = [t for t in transcripts if t.category in categories]
    if not transcripts:
        print("eval: no conversations to run", file=sys.stderr)
        return 2
    if not llm:
        os.environ.pop("OPENROUTER_API_KEY", None)  # the local router, as CI runs it
    results = run_sync(transcripts, repeat=max(1, repeat), llm=llm)
    summary = summarise(results)
    print(format_text(summary))
    if json_path:
        Path(json_path).write_text(
            json.dumps({"summary": summary, "runs": details(results)}, indent=2, default=str)
        )
    if min_pass is not None and summary["pass_rate"] < min_pass:
        print(
            f"eval: pass rate {summary['pass_rate']:.1%} is under the required {min_pass:.1%}",
            file=sys.stderr,
        )
        return 1
    return 0
