"""Everyday words for the registry's own words, plain and in context: data the ranker adds
after the word it stands for ("takings" → revenue, "turn off" → deactivate)."""

from __future__ import annotations

# Everyday words → the registry's own words (stems; a key may be two stems). Data, not code:
# the ranker adds the words on the right after the word on the left.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "switch off": ("deactivate",), "turn off": ("deactivate",), "disable": ("deactivate",),
    "kill": ("deactivate", "revoke"), "bin": ("delete",), "ditch": ("delete",),
    "retire": ("deactivate",), "expire": ("deactivate",),
    "switch on": ("activate",), "turn on": ("activate",), "enable": ("activate",),
    "reenable": ("activate",), "revive": ("activate",),
    "coupon": ("promo", "code"), "voucher": ("promo", "code"), "discount": ("promo",),
    "percent": ("promo",), "%": ("promo",),
    "bump": ("update",), "raise": ("update",), "lower": ("update",), "increase": ("update",),
    "reduce": ("update",), "change": ("update",), "set": ("update",), "drop": ("update",),
    "remove": ("delete",), "delete": ("remove",), "get rid": ("delete", "remove"),
    "scrap": ("delete",), "reverse": ("undo",), "uncheck": ("undo", "check"), "unmark": ("undo",),
    "halt": ("pause",), "suspend": ("pause",), "freeze": ("pause",),
    "set up": ("create",), "setup": ("create",), "generate": ("create",), "issue": ("create",),
    "mint": ("create",), "another": ("create",), "additional": ("create",),
    "extra": ("create",), "spin up": ("create",), "new": ("create",),
    "hook": ("webhook",), "callback": ("webhook",), "endpoint": ("webhook",),
    "https": ("webhook",), "url": ("webhook",),
    "blurb": ("about",), "mission": ("about",), "story": ("about",), "website": ("about", "site"),
    "crew": ("team",), "staff": ("team",), "employee": ("team",), "colleague": ("team",),
    "brand": ("branding", "site"), "colour": ("color", "branding"), "color": ("branding",),
    "logo": ("branding",), "theme": ("branding",),
    "takings": ("revenue",), "earn": ("revenue",), "gross": ("revenue",), "money": ("revenue",),
    "income": ("revenue",), "bring in": ("revenue",), "brought in": ("revenue",),
    "attendee": ("guest",), "guestlist": ("guest", "list"),
    "venue": ("venue",), "room": ("venue",), "address": ("venue",), "located": ("venue",),
    "location": ("venue",), "where": ("venue",),
    "queue": ("waitlist",), "waiting": ("waitlist",),
    "dashboard": ("dashboard",), "promoter": ("dashboard",), "organiser": ("dashboard",),
    "organizer": ("dashboard",),
    "email": ("message",), "text": ("message",), "sms": ("message",), "remind": ("message",),
    "qr": ("qr",), "barcode": ("qr",), "see": ("access",), "access": ("access",),
    "login": ("access",), "log in": ("access",),
    "category": ("category",), "genre": ("category",), "tag": ("category",),
    "label": ("category",), "untag": ("category", "remove"),
    "heads up": ("remind", "reminder"), "cap": ("capacity",), "pipe": ("webhook",),
    "forward": ("webhook",),
    "mobile": ("phone",), "cell": ("phone",), "tix": ("ticket",), "gig": ("show", "event"),
    "pull in": ("revenue",),
    "take in": ("revenue",), "took in": ("revenue",), "rake in": ("revenue",),
}  # fmt: skip
# (word, any of these words) → extra words: "what kinds of tickets" speaks for tiers.
CONTEXT_SYNONYMS: tuple[tuple[tuple[str, frozenset[str]], tuple[str, ...]], ...] = (
    (
        ("ticket", frozenset({"kind", "type", "option", "sort", "level", "price", "cost"})),
        ("tier",),
    ),
    (
        ("price", frozenset({"change", "raise", "lower", "drop", "bump", "set", "make"})),
        ("update",),
    ),
    (
        ("much", frozenset({"take", "make", "earn", "bring", "brought", "made", "took"})),
        ("revenue",),
    ),
    # "what did it take", "what has it made so far": money in
    (("what", frozenset({"take", "make", "earn", "gross", "brought", "bring"})), ("revenue",)),
    (("sell", frozenset({"stop", "pause", "halt", "resume", "restart", "start"})), ("status",)),
    (("mistake", frozenset({"check", "checkin", "check-in"})), ("undo",)),
    (("check", frozenset({"isn't", "wasn't", "not", "aren't", "weren't", "reverse"})), ("undo",)),
    (("check-in", frozenset({"reverse", "cancel", "remove", "undo"})), ("undo", "check")),
    (
        ("venue", frozenset({"second", "another", "new", "extra", "additional", "open"})),
        ("create",),
    ),
    (("on", frozenset({"turn", "switch", "back", "put"})), ("resume", "activate", "open")),
    (("off", frozenset({"turn", "switch"})), ("pause", "deactivate")),
    (
        (
            "waitlist",
            frozenset({"put", "add", "join", "sign", "want", "on", "onto", "stick", "pop"}),
        ),
        ("join",),
    ),
    (("code", frozenset({"work", "valid", "apply", "good", "accept"})), ("validate",)),
    (
        ("note", frozenset({"add", "make", "write", "jot", "put", "leave", "stick", "pop"})),
        ("add",),
    ),
    (("category", frozenset({"out", "remove", "untag", "drop", "off"})), ("remove",)),
    (("message", frozenset({"sent", "send", "went", "go", "out"})), ("list",)),
    # "make that one $18", "make it 20 dollars": a change to the thing just talked about
    (("make", frozenset({"that", "it", "them"})), ("update",)),
    # "how many tix have gone", "how many went": sold
    (("gone", frozenset({"many", "much"})), ("sell",)),
    (("went", frozenset({"many", "much"})), ("sell",)),
)
