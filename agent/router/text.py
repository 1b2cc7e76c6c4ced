"""Words of an utterance: lower-cased tokens, a light stemmer, and the filler people add."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9@.+'_-]+|\$\d[\d,.]*")
_POSSESSIVE = re.compile(r"(\w)'s\b")

# Words that say nothing about what to do: politeness, filler, glue.
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "for",
        "of",
        "and",
        "or",
        "on",
        "in",
        "at",
        "by",
        "with",
        "from",
        "into",
        "about",
        "please",
        "pls",
        "thanks",
        "thank",
        "you",
        "hey",
        "hi",
        "hello",
        "ok",
        "okay",
        "so",
        "um",
        "uh",
        "er",
        "like",
        "just",
        "can",
        "could",
        "would",
        "will",
        "should",
        "i",
        "we",
        "me",
        "us",
        "my",
        "our",
        "it",
        "its",
        "it's",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "this",
        "that",
        "these",
        "those",
        "there",
        "there's",
        "here's",
        "some",
        "any",
        "really",
        "quick",
        "quickly",
        "now",
        "then",
        "also",
        "right",
        "yeah",
        "hmm",
        "well",
        "let's",
        "lets",
        "want",
        "wanna",
        "need",
        "gonna",
        "go",
        "get",
        "got",
        "have",
        "has",
        "had",
        "what's",
        "whats",
        "up",
        "mate",
        "guys",
        "folks",
        "sir",
        "madam",
        "maam",
        "ma'am",
        "one",
    ]
)

_IRREGULAR = {
    "sold": "sell",
    "bought": "buy",
    "made": "make",
    "took": "take",
    "gave": "give",
    "went": "go",
    "arrived": "arrive",
    "moving": "move",
    "moved": "move",
    "here's": "here",
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "kids": "kid",
    "wife's": "wife",
    "moneys": "money",
    "taken": "take",
    "taking": "take",
    "given": "give",
    "whats": "what",
}


_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Crude but stable, and the same for every form of a verb: "tickets" → "ticket", "checked"
    → "check", "changed" and "change" → "chang", "noted" and "note" → "note"."""
    return _drop_e(_IRREGULAR.get(word) or _strip_suffix(word))


def _strip_suffix(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)] + keep
            if suffix in ("ing", "ed"):
                if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                    return base[:-1]  # "stopped" → "stop"
                if _short_syllable(base):
                    return base + "e"  # "noted" → "note", "named" → "name"
            if suffix == "es" and not base.endswith(("sh", "ch", "x", "ss", "z")):
                base = word[:-1]  # "codes" → "code"
            if suffix == "s" and word.endswith("ss"):
                return word
            return base
    return word


def _short_syllable(base: str) -> bool:
    """ "not", "nam", "dat": consonant, vowel, consonant, where the verb lost an "e"."""
    return (
        len(base) == 3
        and base[0] not in _VOWELS
        and base[1] in _VOWELS
        and base[2] not in _VOWELS
        and base[2] not in "wxy"
    )


def _drop_e(word: str) -> str:
    """ "change" → "chang", to meet "changed" and "changing"; short words keep theirs."""
    return word[:-1] if len(word) > 4 and word.endswith("e") and word.isalpha() else word


def fold(text: str) -> str:
    """Lower-case, accents folded, curly quotes made straight."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


_CONTRACTION = re.compile(r"(\w)'(?:ve|re|ll|d)\b")


def words(text: str) -> list[str]:
    """Tokens with possessives and contractions split off ("mike's" → "mike", "what've" →
    "what"); "whats" is "what's"."""
    text = _POSSESSIVE.sub(r"\1", fold(text))
    text = _CONTRACTION.sub(r"\1", text)
    return [w.strip(".'-_") for w in _WORD.findall(text) if w.strip(".'-_")]


def content_stems(tokens: list[str]) -> list[str]:
    return [stem(w) for w in tokens if w not in STOP]
