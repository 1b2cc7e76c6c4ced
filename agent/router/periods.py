"""Dates and periods as people say them, in the venue's zone: "last week", "this weekend",
"since Monday", "in October", "yesterday", "next Friday"; and what dateparser misreads ("the
12th", "tomorrow night")."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .slots import Slots

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]  # fmt: skip
_ORDINAL_DAY = re.compile(
    r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|"
    r"aug|sep|oct|nov|dec))",
    re.I,
)


def spoken_dates(text: str, today: date) -> str:
    """What dateparser misreads: "the 12th" is the next 12th; "tomorrow night" is an evening."""

    def month_day(match: re.Match[str]) -> str:
        day = int(match.group(1))
        year, month = today.year, today.month
        if day < today.day:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return f"{_MONTHS[month - 1].title()} {day} {year}"

    def following(match: re.Match[str]) -> str:
        # "the following friday", "friday after next": not the coming one, the one after it
        ahead = (WEEKDAYS.index(match.group(1).lower()) - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead + 7)
        return f"{_MONTHS[day.month - 1].title()} {day.day} {day.year}"

    text = _ORDINAL_DAY.sub(month_day, text)
    text = re.sub(
        rf"\b(?:the )?following ({'|'.join(WEEKDAYS)})\b|\b({'|'.join(WEEKDAYS)}) after next\b",
        lambda m: following(m) if m.group(1) else following(re.match(r"(\w+)", m.group(2))),
        text,
        flags=re.I,
    )
    has_time = re.search(r"\bat \d|\d\s*(?:am|pm)\b|\d:\d\d", text, re.I)
    evening = "" if has_time else " at 8pm"
    return re.sub(r"\b(tomorrow|tonight) (?:night|evening)\b", rf"\1{evening}", text, flags=re.I)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def periods(slots: Slots, low: str) -> None:
    today = slots.now.astimezone(slots.tz).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    span: tuple[date, date] | None = None
    numbered = slots.numbered
    since = re.search(r"\bsince (?:last )?(" + "|".join(WEEKDAYS) + r")\b", low)
    if since:
        back = (today.weekday() - WEEKDAYS.index(since.group(1))) % 7
        span = (today - timedelta(days=back), today + timedelta(days=1))
    elif m := re.search(r"\b(?:last|past|previous)\s+(\d+)\s+(day|week|month)s?", numbered):
        days = int(m.group(1)) * {"day": 1, "week": 7, "month": 30}[m.group(2)]
        span = (today - timedelta(days=days - 1), today + timedelta(days=1))
    elif re.search(r"\b(last|previous|past) week\b", low):
        span = (monday - timedelta(days=7), monday)
    elif re.search(r"\b(this|the) week\b|\bso far this week\b", low):
        span = (monday, monday + timedelta(days=7))
    elif re.search(r"\bnext week\b", low):
        span = (monday + timedelta(days=7), monday + timedelta(days=14))
    elif re.search(r"\b(last|past|previous) weekend\b", low):
        saturday = monday - timedelta(days=2)
        span = (saturday, saturday + timedelta(days=2))
    elif re.search(r"\b(this|the) weekend\b", low):
        saturday = monday + timedelta(days=5)
        span = (saturday, saturday + timedelta(days=2))
    elif re.search(r"\b(last|previous|past) month\b", low):
        previous = (first - timedelta(days=1)).replace(day=1)
        span = (previous, first)
    elif re.search(r"\b(this|the) month\b", low):
        following = (first + timedelta(days=32)).replace(day=1)
        span = (first, following)
    elif re.search(r"\b(this|the) year\b", low):
        span = (today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1))
    elif month := re.search(r"\b(?:in|for|during|of|over)\s+(" + "|".join(_MONTHS) + r")\b", low):
        number = _MONTHS.index(month.group(1)) + 1
        year = today.year if number <= today.month else today.year - 1
        start = date(year, number, 1)
        span = (start, (start + timedelta(days=32)).replace(day=1))
    elif re.search(r"\byesterday\b|\blast night\b", low):
        span = (today - timedelta(days=1), today)
        slots.day = today - timedelta(days=1)
    elif re.search(r"\b(today|tonight|this evening)\b", low):
        span = (today, today + timedelta(days=1))
        slots.day = today
    elif re.search(r"\btomorrow\b", low):
        span = (today + timedelta(days=1), today + timedelta(days=2))
        slots.day = today + timedelta(days=1)
    else:
        for index, name in enumerate(WEEKDAYS):
            if re.search(rf"\b{name}\b", low):
                ahead = (index - today.weekday()) % 7
                if re.search(rf"\bnext {name}\b", low) and ahead == 0:
                    ahead = 7
                if re.search(rf"\blast {name}\b", low):
                    ahead = ahead - 7 if ahead else -7
                slots.day = today + timedelta(days=ahead)
                span = (slots.day, slots.day + timedelta(days=1))
                break
    if span:
        slots.period = (_local_midnight(span[0], slots.tz), _local_midnight(span[1], slots.tz))
