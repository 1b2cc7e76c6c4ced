"""How things are said aloud rather than typed: phone numbers read digit by digit or in groups,
emails spelled out with "at" and "dot", "two" heard for "to", a code said in capitals."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
# Speech-to-text writes "to" as "two" before a person or a date: no number is meant there.
MISHEARD_TO = re.compile(
    r"\btwo\s+(someone|somebody|her|him|them|the|a|an|my|his|their|me|us|next|this)\b", re.I
)
# A word in capitals that is no common abbreviation: a code when a code is asked for.
ALL_CAPS = re.compile(r"\b(?!(?:VIP|QR|API|URL|USD|GA|PM|AM|OK|SMS|ID)\b)([A-Z][A-Z0-9_-]{3,39})\b")
_SPOKEN_DIGIT = r"(?:(?:double|triple)\s+)?(?:oh|o|zero|\d{1,4})"
_SPOKEN_RUN = re.compile(rf"\b{_SPOKEN_DIGIT}(?:[\s,.-]+{_SPOKEN_DIGIT})+\b")


def spoken_number(numbered: str) -> tuple[str, str] | None:
    """A phone number read out in groups or digit by digit ("555 oh one oh 9999", "double 5"),
    as (the words, the digits); None unless it has 7 to 15 digits and is not plain digits."""
    for match in _SPOKEN_RUN.finditer(numbered):
        run = match.group(0)
        digits, repeat = "", 1
        for part in re.split(r"[\s,.-]+", run):
            if part in ("double", "triple"):
                repeat = 2 if part == "double" else 3
                continue
            digits += ("0" if part in ("oh", "o", "zero") else part) * repeat
            repeat = 1
        said_out = bool(re.search(r"[a-z]", run)) or bool(re.search(r"\d[\s,]+\d\b", run))
        if 7 <= len(digits) <= 15 and said_out and not PHONE.fullmatch(run.strip()):
            return run, digits
    return None


_SAID_EMAIL = re.compile(
    r"\b([a-z0-9]+(?:\s+(?:dot|underscore|dash)\s+[a-z0-9]+)*)\s+at\s+"
    r"([a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+)\b",
    re.I,
)


def spoken_email(text: str) -> str:
    """ "ben dot cole at example dot com" → "ben.cole@example.com" (the domain must be said with
    its dots, so "Ana at the door" stays words)."""

    def written(match: re.Match[str]) -> str:
        local = re.sub(r"\s+dot\s+", ".", match.group(1), flags=re.I)
        local = re.sub(r"\s+underscore\s+", "_", local, flags=re.I)
        local = re.sub(r"\s+dash\s+", "-", local, flags=re.I)
        domain = re.sub(r"\s+dot\s+", ".", match.group(2), flags=re.I)
        return f"{local}@{domain}".lower()

    return _SAID_EMAIL.sub(written, text)


def spoken_code(text: str) -> str | None:
    """A word in capitals that is no known abbreviation ("would LAUGH work …"): a promo code
    when a code is what the tool needs, even with no "code" said."""
    found = ALL_CAPS.search(text)
    return found.group(1).upper() if found else None
