"""Typed slots found anywhere in a sentence: people and shows matched against the catalog,
tiers, periods and days in the venue's zone, numbers (also in words), money, emails, phones,
ids ("ticket 42"), pronouns, relations and "the usual"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from text_to_num import alpha2digit

from . import values
from .catalog import Catalog, Show
from .matching import Mention, match_people, match_shows, match_tiers
from .periods import WEEKDAYS, periods, spoken_dates
from .spoken import ALL_CAPS, EMAIL, MISHEARD_TO, PHONE, spoken_email, spoken_number
from .text import fold, words

RELATIONS = {
    "wife": "wife", "husband": "husband", "partner": "partner", "spouse": "spouse",
    "married": "spouse", "son": "son", "daughter": "daughter", "kid": "child", "kids": "child",
    "child": "child", "mother": "mother", "mom": "mother", "mum": "mother", "father": "father",
    "dad": "father", "parent": "parent", "brother": "brother", "sister": "sister",
    "sibling": "sibling", "siblings": "sibling", "twins": "sibling", "friend": "friend",
    "friends": "friend", "girlfriend": "partner", "boyfriend": "partner", "cousin": "cousin",
    "cousins": "cousin", "colleague": "colleague", "colleagues": "colleague",
    "coworker": "colleague", "coworkers": "colleague", "co-worker": "colleague",
    "co-workers": "colleague", "workmate": "colleague", "workmates": "colleague",
    "grandma": "grandparent", "grandpa": "grandparent", "grandmother": "grandparent",
    "grandfather": "grandparent", "grandson": "grandchild", "granddaughter": "grandchild",
    "carer": "carer", "caregiver": "carer",
}  # fmt: skip
PERSON_PRONOUNS = frozenset(
    ["he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs"]
)
EVENT_PRONOUNS = frozenset(["it"])

_EMAIL_LABEL = re.compile(r"(?:^|[,;(]\s*)(?:(?:her|his|their)\s+)?(e-?mail)(?:\s+is)?:?\s*$", re.I)
_MONEY = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d{1,2})?)|(\d[\d,]*(?:\.\d{1,2})?)\s*(?:dollars?|bucks|usd)\b"
)
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|percent|per cent)")
_ID = re.compile(
    r"\b(ticket|order|customer|event|tier|code|key|entry|member|category|venue|series|webhook|"
    r"hook|photo|job|message)"
    r"\s*(?:number|no\.?|#|id)?\s*#?(\d{1,9})\b"
)
_CODE = re.compile(
    r"\b(?:code|coupon|voucher)\s+(?:called\s+|named\s+|is\s+)?"
    r"(?!(?:for|to|the|a|an|and|off|that|is|was|called|named|on|at|with)\b)"
    r"([A-Za-z0-9][A-Za-z0-9_-]{2,39})\b",
    re.I,
)
# "… be with student20": a word of letters and digits that something is "with"
_USED_CODE = re.compile(r"\b(?:with|using|use|apply)\s+(?:the\s+)?([a-z]+\d+[a-z\d]*)\b", re.I)
_CAPS_CODE = re.compile(r"\b([A-Z][A-Z0-9]*\d[A-Z0-9]*)\b")
_NOT_CODES = frozenset(
    [
        *("list", "lists", "work", "works", "valid", "still", "now", "again", "please", "off"),
        *("active", "expired", "used", "usage", "details", "status", "we", "you", "they"),
    ]
)
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{1,400})[\"\u201d]")
_TIME_CUE = re.compile(
    r"\b(at \d|\d\s*(?:am|pm)\b|\d:\d\d|\d(?:st|nd|rd|th)\b|noon|midnight|tomorrow|next"
    r"|in \d+ (?:day|week|month)s?"
    r"|" + "|".join(WEEKDAYS) + r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_CLOCK_IN = re.compile(r"\b\d{1,2}(?::[0-5]\d)?\s*(?:am|pm|a\.m\.?|p\.m\.?)(?!\w)", re.I)
_BARE_CLOCK = re.compile(
    r"(?:at\s+)?(\d{1,2})(?::([0-5]\d))?\s*(am|pm|a\.m\.?|p\.m\.?)?(?:\s+o'?clock)?", re.I
)
_USUAL = re.compile(r"\b(the usual|same as (?:always|usual|last time)|his usual|her usual)\b")
# Words that only soften or date a question ("so far", "money wise", "as of now").
_FILLER = re.compile(r"\bso (?P<a>far)\b|\b\w+[- ](?P<b>wise)\b|\bas (?P<c>of) now\b")
_NEGATED = re.compile(
    r"\b(no longer|not|isn't|isnt|aren't|don't|dont|doesn't|doesnt|won't|wont|never|remove|stop|"
    r"off|any more|anymore)\b"
)


@dataclass
class Slots:
    text: str
    now: datetime
    tz: ZoneInfo
    tokens: list[str]
    numbered: str
    people: list[Mention] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)
    tier_keys: list[str] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)
    period: tuple[datetime, datetime] | None = None
    day: date | None = None
    quantity: int | None = None
    money_cents: int | None = None
    percent: int | None = None
    email: str | None = None
    phone: str | None = None
    ids: dict[str, int] = field(default_factory=dict)
    code: str | None = None
    quoted: str | None = None
    pronoun: str | None = None
    event_pronoun: bool = False
    relation: str | None = None
    usual: bool = False
    negated: bool = False
    everyone: bool = False
    show_word: bool = False
    url: str | None = None
    color: str | None = None
    named: str | None = None
    capacity: int | None = None
    vague_quantity: bool = False
    colon_text: str | None = None
    proper: list[str] = field(default_factory=list)
    team: list[str] = field(default_factory=list)  # team members named ("Rosa")
    clock: bool = False  # a time of day is said ("at 8", "7:30pm"), not only a day

    @cached_property
    def when(self) -> datetime | None:
        """A point in time ("next Friday at 8pm"), parsed only when a tool needs one."""
        if not _TIME_CUE.search(self.numbered):
            return None
        from dateparser.search import search_dates

        # "at 8" or "at 7:30" for a show means the evening.
        text = spoken_dates(self.numbered, self.now.astimezone(self.tz).date())
        text = re.sub(r"\bat (\d{1,2}) ([0-5]\d)\b", r"at \1:\2", text)  # "at seven thirty"
        text = re.sub(r"\bhalf (?:past )?(\d{1,2})\b", r"\1:30", text)  # "half seven" (British)
        text = re.sub(
            r"\bat ([1-9]|1[01])(:[0-5]\d)?(?!\d|:|\s*(?:am|pm|a\.m|p\.m|o'clock in the morning))",
            r"at \1\2pm",
            text,
            flags=re.I,
        )
        if _BARE_CLOCK.fullmatch(text.strip(" .!?")):
            return self._clock_today(text)  # "8pm" alone: dateparser finds no date in it
        found = search_dates(
            text,
            languages=["en"],
            settings={
                "RELATIVE_BASE": self.now.astimezone(self.tz).replace(tzinfo=None),
                "PREFER_DATES_FROM": "future",
                "TIMEZONE": str(self.tz),
                "RETURN_AS_TIMEZONE_AWARE": True,
            },
        )
        if not found:
            return None
        when = max(found, key=lambda item: len(item[0]))[1]
        clock = _CLOCK_IN.search(text)
        if when.hour == 0 and when.minute == 0 and clock:
            # "sunday the 13th of december, 6 pm": the date and the hour found apart
            at = self._clock_today(clock.group(0))
            if at is not None:
                when = when.replace(hour=at.hour, minute=at.minute)
        return when

    def _clock_today(self, text: str) -> datetime | None:
        found = _BARE_CLOCK.fullmatch(text.strip(" .!?"))
        if found is None:
            return None
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        half = (found.group(3) or "").lower().replace(".", "")
        if half == "pm" and hour < 12:
            hour += 12
        elif half == "am" and hour == 12:
            hour = 0
        elif not half and 1 <= hour <= 11:
            hour += 12  # a show at "8" is in the evening
        if hour > 23 or minute > 59:
            return None
        local = self.now.astimezone(self.tz)
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0)

    @property
    def person(self) -> Mention | None:
        return self.people[0] if self.people else None


def extract(text: str, catalog: Catalog, now: datetime, tz: ZoneInfo) -> Slots:
    text = MISHEARD_TO.sub(r"to \1", text)  # "give her ticket two someone else"
    text = spoken_email(text)  # "ben dot cole at example dot com"
    tokens = words(text)
    low = fold(text)
    numbered = alpha2digit(low, "en", threshold=0)
    slots = Slots(text=text, now=now, tz=tz, tokens=tokens, numbered=numbered)
    for filler in _FILLER.finditer(low):
        slots.consumed.update(w for w in filler.groups() if w)
    slots.clock = values.says_clock_time(numbered)
    slots.url = values.url(text)
    if slots.url:
        slots.consumed.update(words(slots.url))
        text_no_url = text.replace(slots.url, " ")
        slots.numbered = alpha2digit(fold(text_no_url), "en", threshold=0)
    else:
        text_no_url = text
    slots.color = values.color(text)
    slots.named = values.named(text)
    for naming in re.finditer(r"\b(called|named)\s+\w", low):
        slots.consumed.add(naming.group(1))  # "anyone called Garcia" names; nobody phones
    slots.colon_text = values.after_colon(text_no_url)
    _contacts(slots, text_no_url)
    _ids_and_codes(slots, text_no_url)
    _money_and_numbers(slots)
    periods(slots, low)
    match_shows(slots, catalog)
    on_its_day = slots.shows and slots.shows[0].starts_at.astimezone(tz).date() == slots.day
    if on_its_day:
        slots.period = None  # "how's the salsa thing friday doing": that show, on its day
    match_tiers(slots, catalog)
    known = {w for show in catalog.shows for w in show.key.split()}
    known |= {w for show in catalog.shows for t in show.tiers for w in t.key.split()}
    slots.proper = values.proper_names(text, known)
    if text == text.lower():  # said without capitals: names by where they sit
        slots.proper += [n for n in values.spoken_names(text, known) if n not in slots.proper]
    match_people(slots, catalog)
    _references(slots, low)
    named_customers = {w for m in slots.people for w in m.text.split() if m.exact}
    for member in getattr(catalog, "team", []):
        parts = [w for w in fold(member).split() if len(w) > 2]
        if any(w in slots.tokens and w not in named_customers for w in parts):
            slots.team.append(member)
    quoted = _QUOTED.search(text)
    slots.quoted = quoted.group(1).strip() if quoted else None
    return slots


def _contacts(slots: Slots, text: str) -> None:
    email = EMAIL.search(text)
    if email:
        slots.email = email.group(0).lower()
        slots.consumed.update(words(email.group(0)))
        label = _EMAIL_LABEL.search(text[: email.start()])
        if label:
            slots.consumed.add(label.group(1).lower())  # ", email ann@x.com": a label, no topic
    rest = EMAIL.sub(" ", text)
    spoken = spoken_number(EMAIL.sub(" ", slots.numbered))
    if spoken is not None:
        # "five five five, oh one oh, …": said digit by digit, written as one number from here on
        run, digits = spoken
        slots.numbered = slots.numbered.replace(run, f" {digits} ")
        slots.consumed.update(words(run))
        rest = digits
    for match in PHONE.finditer(rest):
        digits = sum(ch.isdigit() for ch in match.group(0))
        if digits < 7:
            continue
        try:
            parsed = phonenumbers.parse(match.group(0), "US")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            slots.phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            break


def _ids_and_codes(slots: Slots, text: str) -> None:
    for kind, number in _ID.findall(slots.numbered):
        slots.ids.setdefault("webhook" if kind == "hook" else kind, int(number))
    code = _CODE.search(text) or _CAPS_CODE.search(text) or _USED_CODE.search(text)
    if code is None and re.search(r"\b(?:code|coupon|voucher|promo)s?\b", text, re.I):
        code = ALL_CAPS.search(text)
    if code and code.group(1).lower() in _NOT_CODES and not code.group(1).isupper():
        code = None
    if code and not code.group(1).isdigit():
        slots.code = code.group(1).upper()
        slots.consumed.add(code.group(1).lower())


def spoken_value(field: str, text: str) -> Any:
    """The answer to "What's their email / phone / ticket number?" when that is what was said;
    None when the answer is something else (a name, a new request)."""
    low = fold(text)
    numbered = alpha2digit(low, "en", threshold=0)
    if field.endswith("email"):
        found = EMAIL.search(spoken_email(low))
        return found.group(0) if found else None
    if field.endswith("phone"):
        probe = Slots(
            text=text, now=datetime.now(UTC), tz=ZoneInfo("UTC"), tokens=[], numbered=numbered
        )
        _contacts(probe, text)
        return probe.phone
    if field.endswith("_id"):
        found = re.fullmatch(
            r"\s*(?:(?:it's|its|it is|that's|number|no\.?|#|id)\s*)*(\d{1,9})\s*[.!?]?\s*", numbered
        )
        return int(found.group(1)) if found else None
    return None


def _money_and_numbers(slots: Slots) -> None:
    text = EMAIL.sub(" ", slots.numbered)
    text = PHONE.sub(" ", text) if slots.phone else text
    money = _MONEY.search(text)
    if money:
        amount = (money.group(1) or money.group(2)).replace(",", "")
        slots.money_cents = round(float(amount) * 100)
        text = text.replace(money.group(0), " ")
    percent = _PERCENT.search(text)
    if percent:
        slots.percent = int(percent.group(1))
        text = text.replace(percent.group(0), " ")
    text = _ID.sub(" ", text)
    text = re.sub(r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\b\d{1,2}:\d\d\b", " ", text)
    text = re.sub(r"\b(?:last|past|next|in)\s+\d+\s+\w+", " ", text)
    text = re.sub(r"\b\d+(?:st|nd|rd|th)\b", " ", text)
    # "that one", "the 1 ending …", "which one": a pointer, not a count
    text = re.sub(r"\b(?:that|this|the|which|any|every|no|some|other)\s+1\b", " ", text)
    slots.capacity = values.capacity(text)
    worded = values.quantity_word(text)
    for number in re.findall(r"\b\d{1,4}\b", text):
        slots.quantity = int(number)
        break
    if worded is not None and (slots.quantity is None or slots.quantity == slots.capacity):
        slots.quantity = worded
    slots.vague_quantity = slots.quantity is None and bool(values.VAGUE_QUANTITY.search(text))


def _references(slots: Slots, low: str) -> None:
    tokens = set(slots.tokens)
    for token in slots.tokens:
        if token in PERSON_PRONOUNS and token not in slots.consumed:
            slots.pronoun = token
            break
    slots.event_pronoun = bool(tokens & EVENT_PRONOUNS) or bool(
        re.search(r"\b(that|the|this) (show|event|gig|concert)\b", low)
    )
    for token in slots.tokens:
        if token in RELATIONS:
            slots.relation = RELATIONS[token]
            break
    slots.show_word = bool(re.search(r"\b(show|event|gig|concert|performance)s?\b", low))
    slots.usual = bool(_USUAL.search(low))
    slots.negated = bool(_NEGATED.search(low))
    slots.everyone = bool(
        re.search(r"\b(all|everyone|everybody|whole|entire|party|family|group)\b", low)
    )
