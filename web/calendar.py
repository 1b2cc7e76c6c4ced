"""An iCalendar (.ics, RFC 5545) file for a buyer's event, built from what `get_my_tickets`
returns: one VEVENT in UTC, so every calendar app places it in its own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DEFAULT_LENGTH = timedelta(hours=2)  # when an event has no end time


def _text(value: str) -> str:
    """Escape a TEXT value (backslash, semicolon, comma, newline)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after one space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, start = [], 0
    while start < len(raw):
        end = min(start + (75 if not parts else 74), len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(raw[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def event_ics(
    *,
    uid: str,
    name: str,
    starts_at: datetime,
    ends_at: datetime | None,
    location: str,
    url: str,
    organiser: str,
    now: datetime,
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_text(organiser)}//Tickets//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(starts_at)}",
        f"DTEND:{_stamp(ends_at or starts_at + DEFAULT_LENGTH)}",
        f"SUMMARY:{_text(name)}",
        f"LOCATION:{_text(location)}",
        f"DESCRIPTION:{_text('Your tickets: ' + url)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
