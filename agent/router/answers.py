"""Short answers that are about the conversation, not the venue: yes, no, never mind, undo,
"the second one", and corrections ("no, I meant Mike")."""

from __future__ import annotations

import re

from .text import fold

_YES = re.compile(
    r"^\s*(yes|yeah|yep|yup|sure|ok|okay|go ahead|do it|confirm|confirmed|correct|right|"
    r"please do|absolutely|affirmative|definitely|of course|that's right|thats right|"
    r"go for it|go on|proceed|please proceed|that's fine|thats fine|fine|sounds good|"
    r"let's do it|lets do it|you bet|yes please|sure thing|do that)\b"
)
_NO = re.compile(
    r"^\s*(?:(?:actually|oh|um|uh|erm|hmm|sorry|ah|right|ok|okay|wait)[,.!]?\s+)*"
    r"(no|nope|nah|don't|dont|do not|cancel that|never ?mind|forget it|stop|"
    r"hold on|hang on|wait|not now|not yet|leave it|abort|scrap that|don't bother|skip it)\b"
)
# What people say before "undo that": hesitation and retraction.
_LEAD = (
    r"(?:(?:oops|sorry|actually|no|wait|ah|hmm|uh|um|ok|okay|oh|scratch that|forget that|"
    r"my bad|my mistake|hang on|hold on|whoops)[,.!]?\s+)*"
)
_UNDO = re.compile(
    rf"^\s*{_LEAD}"
    r"(?:please\s+)?(?:can you\s+|could you\s+)?"
    r"(undo|revert|reverse|take back|roll back)"
    r"\s*(that|it|this|the last"
    r"(?: one| thing| action)?)?\s*[.!]?\s*(please)?\s*$"
    rf"|^\s*{_LEAD}undo\b"
    # "oops wrong sarah, undo that": a short aside, then the undo
    r"|^[\w' ]{1,30}[,.!]\s*(?:please\s+)?(?:undo|revert|reverse|take back|roll back)"
    r"\s*(?:that|it|this|the last(?: one| thing| action)?)?\s*[.!]?\s*(?:please)?\s*$"
)
_CORRECTION = re.compile(
    r"^\s*(?:(?:no|nope|sorry|oops|actually|wait)[,.!]?\s+)*"
    r"(?:i\s+meant|i\s+mean|i\s+said|it\s+was|it's|it\s+is|make\s+(?:that|it)"
    r"|not\s+\w+(?:\s+\w+)?\s*,\s*(?:but\s+)?|change\s+(?:that|it)\s+to)\s+(?P<value>.+)$",
    re.I,
)
_SHORT_CORRECTION = re.compile(r"^\s*(?:(?:no|nope|sorry|actually)[,.!]?\s+)+(?P<value>.+)$", re.I)
_NOT_A_VALUE = re.compile(
    r"^(thanks|thank|don't|dont|do not|never|stop|cancel|wait|not|no|leave|forget|yes|ok|okay|"
    r"please|that's|thats|i don't|i dont|it's fine|its fine|go|keep|hang on|hold on|scrap|"
    r"skip|abort|nah|nope)\b",
    re.I,
)
_ORDINALS = {
    "first": 0, "1st": 0, "one": 0, "1": 0, "second": 1, "2nd": 1, "two": 1, "2": 1,
    "third": 2, "3rd": 2, "three": 2, "3": 2, "last": -1,
}  # fmt: skip


def is_yes(text: str) -> bool:
    return bool(_YES.match(fold(text)))


_KEEP = re.compile(
    r"^\s*(?:(?:no|nope|nah|ok|okay)[,.!]?\s+)?(?:keep it|leave it|don't|do not|let's not|"
    r"we'll keep|we will keep|scratch that|changed my mind)\b"
)


def is_no(text: str) -> bool:
    low = fold(text).strip(" .!")
    if correction(text) is not None:
        return False
    if _KEEP.match(low) and len(low.split()) <= 8:
        return True
    if re.match(r"^\s*(?:no|nope|nah|never ?mind)\b[,.!]", low) and len(low.split()) <= 8:
        return True  # "no, don't cancel it after all"
    if bool(_NO.match(low)) and len(low.split()) <= 4:
        return True
    # "actually no don't, the headliner's found a sub": a refusal, then why (not a new order)
    head, _, why = low.partition(",")
    refused = (_NO.match(head) or _KEEP.match(head)) and len(head.split()) <= 5
    why = why.strip()
    return bool(refused) and not (_COMMAND_START.match(why) or _QUESTION_START.match(why))


def is_undo(text: str) -> bool:
    return bool(_UNDO.match(fold(text)))


_QUESTION_START = re.compile(
    r"^(how|what|what's|whats|who|who's|when|where|which|why|is|are|does|do|did|can|could|"
    r"will|would|should|has|have|tell|show|list|give)\b",
    re.I,
)


_COMMAND_START = re.compile(
    r"^(delete|remove|cancel|refund|check|sell|add|create|make|show|list|give|put|take|move|"
    r"send|stop|start|book|transfer|register|find|look|set|change|update|hide|pause|resume|"
    r"void|postpone|link|mark|turn|switch|let|open|close|revoke|deactivate|kill|bin|ditch|"
    r"drop|scrap|unlink|undo)\b",
    re.I,
)


def correction(text: str) -> str | None:
    """The new value of a correction ("no, I meant Mike" → "Mike"), else None. A question or a
    whole new request after "actually" is not a correction."""
    text = text.strip().rstrip(".!")
    long_form = _CORRECTION.match(text)
    match = long_form or _SHORT_CORRECTION.match(text)
    if not match or _NOT_A_VALUE.match(match.group("value")):
        return None
    value = match.group("value").strip(" ,.")
    if is_undo(value):
        return None
    if text.endswith("?") or _QUESTION_START.match(value):
        return None
    instead = re.match(r"^(?P<new>.+?),\s*not\s+[\w' ]{1,30}$", value)
    if instead:
        value = instead.group("new").strip(" ,.")  # "for tonight's jazz, not comedy"
    if len(value.split()) > (7 if long_form else 4):
        return None
    if not instead and re.search(r"\bnot\b|n't\b|\bno longer\b|\bnever\b", value, re.I):
        return None  # "they're not related" is a statement, not a new value
    if not long_form and _COMMAND_START.match(value):
        return None  # "actually, delete it" is a new request
    return value or None


def ordinal(text: str) -> int | None:
    """ "the second one" → 1; "number 3" → 2; "the last one" → -1."""
    low = fold(text)
    if len(low.split()) > 6:
        return None
    for word in re.findall(r"[a-z0-9]+", low):
        if word in _ORDINALS and (word not in ("one", "1") or len(low.split()) <= 2):
            return _ORDINALS[word]
    return None
