"""Figures from eval runs: pass rate per category, task success by final state, turn latency,
pass^k over repeated runs, and the failing conversations with their first failing turn."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .runner import ConversationResult


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summarise(results: list[list[ConversationResult]]) -> dict[str, Any]:
    """`results[i]` are the runs of one conversation (one run unless --repeat)."""
    runs = [run for group in results for run in group]
    repeat = max((len(group) for group in results), default=1)
    categories: dict[str, list[ConversationResult]] = defaultdict(list)
    for run in runs:
        categories[run.transcript.category].append(run)
    with_state = [run for run in runs if run.transcript.final_state]
    latencies = [turn.latency_ms for run in runs for turn in run.turns]
    turns = [turn for run in runs for turn in run.turns]
    summary: dict[str, Any] = {
        "conversations": len(results),
        "runs": len(runs),
        "passed": sum(run.passed for run in runs),
        "pass_rate": _rate(sum(run.passed for run in runs), len(runs)),
        "turns": len(turns),
        "turn_pass_rate": _rate(sum(not t.failures for t in turns), len(turns)),
        "task_success": _rate(sum(run.state_ok for run in with_state), len(with_state)),
        "tasks_checked": len(with_state),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "max": round(max(latencies, default=0.0), 1),
        },
        "categories": {
            name: {
                "runs": len(group),
                "passed": sum(run.passed for run in group),
                "pass_rate": _rate(sum(run.passed for run in group), len(group)),
            }
            for name, group in sorted(categories.items())
        },
        "failures": [
            {
                "name": run.transcript.name,
                "category": run.transcript.category,
                "source": run.transcript.source,
                "first_failure": run.first_failure,
            }
            for group in results
            for run in group[:1] + [r for r in group[1:] if not r.passed][:1]
            if not run.passed
        ],
    }
    if repeat > 1:
        summary["repeat"] = repeat
        summary[f"pass^{repeat}"] = _rate(
            sum(all(run.passed for run in group) for group in results), len(results)
        )
    return summary


def details(results: list[list[ConversationResult]]) -> list[dict[str, Any]]:
    """Every run turn by turn, for --json."""
    return [
        {
            "name": run.transcript.name,
            "category": run.transcript.category,
            "run": index + 1,
            "passed": run.passed,
            "error": run.error,
            "state_failures": run.state_failures,
            "turns": [
                {
                    "say": turn.say,
                    "reply": turn.reply,
                    "latency_ms": round(turn.latency_ms, 2),
                    "failures": turn.failures,
                }
                for turn in run.turns
            ],
        }
        for group in results
        for index, run in enumerate(group)
    ]


def format_text(summary: dict[str, Any]) -> str:
    lines = ["category               passed   rate"]
    for name, figures in summary["categories"].items():
        lines.append(
            f"{name:<22} {figures['passed']:>3}/{figures['runs']:<4} {figures['pass_rate']:>6.1%}"
        )
    latency = summary["latency_ms"]
    lines += [
        "",
        f"conversations passed: {summary['passed']}/{summary['runs']} "
        f"({summary['pass_rate']:.1%}); turns passed {summary['turn_pass_rate']:.1%} "
        f"of {summary['turns']}",
        f"task success by final state: {summary['task_success']:.1%} "
        f"of {summary['tasks_checked']} conversations with a final state",
        f"turn latency: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
        f"max {latency['max']:.1f} ms",
    ]
    if "repeat" in summary:
        key = f"pass^{summary['repeat']}"
        lines.append(f"{key}: {summary[key]:.1%} (every one of {summary['repeat']} runs passed)")
    if summary["failures"]:
        lines += ["", "failing conversations (first failure):"]
        lines += [
            f"- {f['name']} [{f['category']}]: {f['first_failure']}" for f in summary["failures"]
        ]
    return "\n".join(lines)


def _rate(passed: int, total: int) -> float:
    return round(passed / total, 4) if total else 1.0
