"""Message templates: (subject, email body, SMS text) for each kind of notification.

Plain text, short, and every time shown in the venue's own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Rendered:
    subject: str
    email: str
    sms: str


def local_time(at: datetime, tz: str) -> str:
    """ "Friday, November 27 at 8:00 PM EST" in the venue's zone."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = at.astimezone(zone)
    return f"{local:%A, %B} {local.day} at {local:%I:%M %p %Z}".replace(" 0", " ")


def confirmation(
    *,
    org: str,
    name: str,
    event: str,
    when: str,
    venue: str,
    tier: str,
    count: int,
    link: str,
    ticket_links: list[str],
) -> Rendered:
    tickets = "\n".join(f"  - {url}" for url in ticket_links)
    plural = "ticket" if count == 1 else "tickets"
    return Rendered(
        subject=f"Your {plural} for {event}",
        email=(
            f"Hi {name},\n\nYou're going to {event} — {when} at {venue}.\n"
            f"{count} × {tier}.\n\nYour {plural} (show the QR code at the door):\n{link}\n"
            + (f"\nPrintable tickets:\n{tickets}\n" if ticket_links else "")
            + f"\nSee you there,\n{org}"
        ),
        sms=f"{org}: {count} {plural} for {event}, {when}. Your tickets: {link}",
    )


def reminder(*, org: str, name: str, event: str, when: str, venue: str, link: str) -> Rendered:
    return Rendered(
        subject=f"Reminder: {event} is coming up",
        email=(
            f"Hi {name},\n\nA reminder that {event} starts {when} at {venue}.\n"
            f"Your tickets: {link}\n\nSee you soon,\n{org}"
        ),
        sms=f"{org} reminder: {event} starts {when} at {venue}. Tickets: {link}",
    )


def event_update(*, org: str, name: str, event: str, when: str, venue: str, link: str) -> Rendered:
    return Rendered(
        subject=f"Update: {event}",
        email=(
            f"Hi {name},\n\nThe details of {event} have changed. It is now {when} at {venue}.\n"
            f"Your tickets stay valid: {link}\n\n{org}"
        ),
        sms=f"{org}: {event} is now {when} at {venue}. Your tickets stay valid.",
    )


def postponement(
    *, org: str, name: str, event: str, when: str | None, reason: str | None, link: str
) -> Rendered:
    new = f"The new date is {when}." if when else "We will tell you the new date soon."
    why = f" ({reason})" if reason else ""
    return Rendered(
        subject=f"{event} is postponed",
        email=(
            f"Hi {name},\n\n{event} has been postponed{why}. {new}\n"
            f"Your tickets stay valid for the new date: {link}\n\nSorry for the change,\n{org}"
        ),
        sms=f"{org}: {event} is postponed{why}. {new} Your tickets stay valid.",
    )


def cancellation(*, org: str, name: str, event: str, when: str) -> Rendered:
    return Rendered(
        subject=f"{event} is cancelled",
        email=(
            f"Hi {name},\n\nWe're sorry: {event} ({when}) has been cancelled. Any refund due goes "
            f"back to how you paid; you don't need to do anything.\n\n{org}"
        ),
        sms=f"{org}: sorry, {event} ({when}) is cancelled. Refunds are on their way.",
    )


def waitlist_offer(
    *, org: str, name: str, event: str, when: str, count: int, tier: str, until: str, link: str
) -> Rendered:
    seats = "a seat" if count == 1 else f"{count} seats"
    return Rendered(
        subject=f"Seats opened up for {event}",
        email=(
            f"Hi {name},\n\nGood news: {seats} ({tier}) opened up for {event}, {when}. "
            f"We're holding them for you until {until}.\nClaim them here: {link}\n\n{org}"
        ),
        sms=f"{org}: {seats} for {event} opened up, held for you until {until}. Claim: {link}",
    )
