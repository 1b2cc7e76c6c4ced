"""The kinds of sentence the ranker tells apart, as patterns: questions (wh- and yes/no), orders,
listings and look-ups, arrivals, adding and removing, stopping and changing, groups and
pronouns. Data for rank.py; `yes_no_question` is also how the agent keeps questions read-only."""

from __future__ import annotations

import re
from functools import lru_cache

QUESTION = re.compile(r"^\s*(how|what|who|when|which|where|is|are|does|do|did|has|have|any)\b")


YES_NO = re.compile(r"^\s*(has|have|did|does|do|is|are|was|were)\b", re.I)


WH = re.compile(r"^\s*(how|what|who|when|which|where|whose)\b")


LISTING = re.compile(
    r"^\s*(?:please\s+)?(show|list|read|tell|pull up|get|remind me|give me|run through)\b", re.I
)


WH_WORDS = frozenset(["who", "what", "how", "when", "where", "which", "whose", "tell", "know"])


# "look up Mike Brown", "pull up John": a person and nothing else asked of them.
LOOKUP = re.compile(
    r"^\s*(?:please\s+)?(?:look up|pull up|bring up|find|show me|open|get me|give me|check on)\b",
    re.I,
)


LOOKUP_WORDS = frozenset(["look", "up", "pull", "bring", "find", "show", "open", "check", "on"])


def yes_no_question(text: str) -> bool:
    """ "Is Maria on the do not call list?", "sorry, first day here, is there a show on
    Thursday?" — and no order beside it."""
    clauses = [c for c in re.split(r"[,;.!]\s*", text) if c.strip()]
    asks = any(YES_NO.match(c) for c in clauses)
    return asks and not ORDER_TOO.search(text) and not any(IMPERATIVE.match(c) for c in clauses)


# Words a clause may open with before its question: "so what's comedy hour made now".
_LEAD = re.compile(r"^\s*(?:(?:so|ok|okay|and|um|uh|well|right|oh|hey|sorry)\b[\s,]*)+", re.I)


def only_asks(text: str) -> bool:
    """A question and nothing else: "is Mike here?", "who's checked in for jazz?" — not "can
    you check Mike in?" nor "is Sarah here? check her in"."""
    clauses = [_LEAD.sub("", c) for c in re.split(r"[,;.!?]\s*", text) if c.strip()]
    wh = any(WH.match(c.lower()) for c in clauses)
    ordered = ORDER_TOO.search(text) or any(IMPERATIVE.match(c) for c in clauses)
    return yes_no_question(text) or (wh and not ordered)


@lru_cache(maxsize=256)  # asked of the same sentence for every tool ranked
def asks(text: str) -> bool:
    """A question, in any clause: "got a missed call from …, who's that"."""
    clauses = re.split(r"[,;.!]\s*", text.lower())
    return text.strip().endswith("?") or any(QUESTION.match(c) for c in clauses if c)


TOKEN = re.compile(r"\b[A-Za-z0-9_-]{20,}\b")


REMOVING = re.compile(
    r"\b(remove|delete|take\b[\w' ]{0,30}?\b(?:off|out)|drop|get rid|scrap|leaving|left us|quit|"
    r"no longer|unlink|revoke)\b",
    re.I,
)


ADDING = re.compile(
    r"\b(add|put|create|new|register|sign up|join|set up|make)\b|^\s*(?:please\s+)?schedule\b", re.I
)


# Someone arriving: "Maria and her husband are here" checks the party in, it links no one.
ARRIVING = re.compile(
    r"\b(?:is|are|'s|'re) (?:here|in|at the door)\b|\barriv|\b(?:walked|came|got) in\b|"
    r"\bat the (?:door|front|window|desk|box office)\b|^[\w' -]{2,40}\s(?:in|here)\s*[.!]?\s*$|"
    r"\blet (?:him|her|them) (?:in|thru|through)\b|"
    r"\b(?:showed|turned) up\b|\bjust got here\b|\bmade it\b",
    re.I,
)


DESCRIBING = re.compile(r"\b(describ\w*|description|renam\w*|title|call it)\b", re.I)
# "today, all events", "overall": every show, not the one on that day
EVERY_SHOW = re.compile(
    r"\b(?:all|every|across|each)\s+(?:the\s+|of the\s+|our\s+)?(?:events?|shows?|gigs?)\b|"
    r"\boverall\b|\bin total\b|\ball told\b",
    re.I,
)


IMPERATIVE = re.compile(
    r"^\s*(?:please\s+|ok\s+|okay\s+)?(?:check|let|scan|admit|sell|refund|cancel|add|put|move|"
    r"make|create|delete|remove|mark|send|book|comp|give|take|set|change|update|pause|stop)\b",
    re.I,
)


ORDER_TOO = re.compile(
    r"(?:[,.;!?]|\band\b|\bso\b)\s*(?:please\s+)?(?:check|let|scan|admit)\b", re.I
)


ARRIVAL_WORDS = re.compile(
    r"\bcheck(?:ed)?[- ]?in\b|\bhere\b|\barriv|\bin yet\b|\bshow(?:ed|n)? up\b|\bmade it\b|"
    r"\bcome in\b|\bcame in\b|\bscanned\b|\bin\s*\??\s*$|\bin the (?:building|room|venue)\b|"
    r"\binside\b|\bon the (?:guest |door )?list\b",
    re.I,
)


HOW_DID = re.compile(
    r"^\s*how(?:'s| is| was| did| are| were)\b.*\b(?:do|doing|going|go|perform\w*)\s*\??\s*$"
    r"|\b(?:numbers|figures)\b|\bwhat did we do (?:on|for|with)\b",
    re.I,
)


GROUP = re.compile(r"\b(party|family|group|crew|them all|all of them|the lot of them)\b", re.I)


STOPPING = re.compile(r"\b(kill|stop|close|shut|end|pause|halt|pull)\b", re.I)


CHANGING = re.compile(r"\b(update|change|set|make|fix|correct|bump|raise|lower)\b", re.I)


THING_PRONOUN = re.compile(r"\b(them|they|it|those|these|that one|all of them)\b", re.I)


FILE_WORDS = re.compile(r"\b(download|pdf|print|wallet|pass|file|apple|google)\b", re.I)


# "don't check her in yet", "no need to refund him", "hold off on the email": what follows is
# not to be done.
DONT = re.compile(
    r"^\s*(?:(?:no|oh|ok|okay|please|wait|actually|um|uh|so|and|but)\W+)*"
    r"(?:don'?t|do not|never|no need to|not yet|hold off(?: on)?)\b\s*(?P<rest>.*)$",
    re.I,
)
CLAUSE = re.compile(r"[,;.!?]|\s(?:but|just|instead|and then)\s", re.I)


def negated_clauses(text: str) -> list[str]:
    """The requests a sentence says not to do: "don't check in mike yet, he's parking" →
    ["check in mike yet"]."""
    out = []
    for clause in CLAUSE.split(text):
        found = DONT.search(clause)
        if found and found.group("rest").strip():
            out.append(found.group("rest").strip())
    return out


ALL = re.compile(r"\b(all|every|everything|entire|whole|any)\b", re.I)
