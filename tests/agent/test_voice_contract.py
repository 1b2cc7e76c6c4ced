"""The voice contract: a tool's voice lives with the tool (agent/ names none), the ranker is a
fitted model that scores as scikit-learn does, a question or a negation changes nothing, money is
said as the database shows it, and times are the venue's."""

from __future__ import annotations

import ast
from pathlib import Path

from agent.router.model import C, _chars, _words, fit
from agent.router.rank import corpus
from tests.agent.conftest import Say
from tests.conftest import Call
from tools import registry
from tools.voice import training_utterances

AGENT = Path(__file__).resolve().parents[2] / "agent"
ENTRY_POINT = "ask_tickets"  # the agent's own MCP entry point is not a registry tool
MIN_UTTERANCES = 25


def test_no_registry_tool_is_named_inside_agent() -> None:
    names = {spec.name for spec in registry} - {ENTRY_POINT}
    found = []
    for path in AGENT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(AGENT.parent)}:{node.lineno} {node.value}")
    assert not found, "tool names belong to the tool's own module:\n" + "\n".join(found)


def test_every_tool_has_training_utterances() -> None:
    said = training_utterances()
    thin = {s.name: len(said.get(s.name, [])) for s in registry}
    assert not {n: c for n, c in thin.items() if c < MIN_UTTERANCES}
    unknown = set(said) - {s.name for s in registry} - {"_none"}
    assert not unknown, f"utterances for tools that do not exist: {unknown}"


def test_the_text_model_scores_as_scikit_learn_does() -> None:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    data = {
        k: v
        for k, v in corpus(registry).items()
        if k in ("_none", "guest_list", "check_in_by_name", "refund_ticket")
    }
    model = fit(data)
    texts = [t for v in data.values() for t in v]
    labels = [k for k, v in data.items() for _ in v]
    word = TfidfVectorizer(analyzer=_words, sublinear_tf=True)
    char = TfidfVectorizer(analyzer=_chars, sublinear_tf=True, min_df=2)
    x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    reference = LinearSVC(C=C, random_state=0).fit(x, labels)
    for sentence in ("is jon smith here yet", "let mike in", "give sarah her money back"):
        row = hstack([word.transform([sentence]), char.transform([sentence])]).tocsr()
        expected = dict(zip(reference.classes_, reference.decision_function(row)[0], strict=True))
        got = model.scores(sentence)
        assert all(abs(got[c] - expected[c]) < 1e-9 for c in expected)


async def _status(call: Call, ticket_id: int) -> str:
    return (await call("get_ticket", ticket_id=ticket_id)).status


async def test_a_question_about_arrival_checks_nobody_in(say: Say, call: Call) -> None:
    for question in (
        "has the garcia party arrived yet?",
        "is mike brown here",
        "did david kim and his lot make it in?",
    ):
        await say(question, session=question)
    # Maria Garcia's fifth and sixth tickets, Mike Brown's, David Kim's: all still valid.
    assert [await _status(call, t) for t in (5, 6, 7, 10, 11, 12)] == ["valid"] * 6


async def test_a_negated_request_is_not_performed(say: Say, call: Call) -> None:
    reply = await say("don't check in mike brown yet, he's just parking")
    assert reply.tool != "check_in_by_name" or not reply.success
    assert await _status(call, 7) == "valid"


async def test_a_paid_sale_asks_how_it_is_paid_and_card_holds_seats(say: Say, call: Call) -> None:
    reply = await say("sell two standard for salsa to Nina Ray")
    assert reply.awaiting == "value" and "cash, card or comp" in reply.speech.lower()
    reply = await say("card")
    assert reply.success and reply.tool == "purchase_tickets"
    assert reply.arguments["payment"] == "card"
    order = await call("get_order", order_id=reply.data["order_id"])
    assert order.status == "pending" and not reply.data["tickets"]
    assert "No tickets yet" in reply.speech and "held" in reply.speech
    assert "Sold" not in reply.speech


async def test_a_cash_sale_issues_tickets_at_once(say: Say, call: Call) -> None:
    reply = await say("sell two standard for salsa to Nina Ray, cash")
    assert reply.success and reply.arguments["payment"] == "cash"
    assert len(reply.data["tickets"]) == 2 and reply.speech.startswith("Sold 2 tickets")


async def test_times_are_said_in_the_venues_zone(say: Say, call: Call) -> None:
    venue = await call("create_venue", name="Lakeside", timezone="America/Chicago")
    await call(
        "create_event",
        name="Prairie Songs",
        venue_id=venue.id,
        starts_at="2026-11-27T19:30:00-06:00",
    )
    reply = await say("when is prairie songs?", as_="admin")
    assert "7:30 pm" in reply.speech, reply.speech


async def test_a_cancellation_told_not_to_refund_keeps_the_money(say: Say, call: Call) -> None:
    asked = await say("cancel comedy hour, but don't refund anyone yet")
    assert asked.awaiting == "confirmation" and asked.arguments.get("refund_tickets") is False
    done = await say("yes")
    assert done.success and done.data["tickets_refunded"] == 0
    assert (await call("get_event", event_id=2)).status == "cancelled"


async def test_a_phone_or_email_said_alone_looks_the_person_up(say: Say, call: Call) -> None:
    for text in ("five five five oh one oh oh one oh four", "mike dot brown at example dot com"):
        reply = await say(text, session=text)
        assert reply.tool == "lookup_customer" and "Mike Brown" in reply.speech, reply.speech
    assert (await call("get_customer_profile", customer_id=4)).name == "Mike Brown"
