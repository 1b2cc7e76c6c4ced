"""Every table, importable from one place (Alembic reads `Base.metadata` from here)."""

from .base import Base, UTCDateTime, utcnow
from .catalog import Category, Event, EventSeries, TicketTier, Venue, event_categories
from .customers import Customer, CustomerLink, CustomerNote
from .messaging import Message
from .sales import CheckIn, Order, PromoCode, PromoRedemption, Refund, Ticket, WaitlistEntry
from .site import AboutSection, ApiKey, DomainEvent, TeamMember

__all__ = [
    "AboutSection",
    "ApiKey",
    "Base",
    "Category",
    "CheckIn",
    "Customer",
    "CustomerLink",
    "CustomerNote",
    "DomainEvent",
    "Event",
    "EventSeries",
    "Message",
    "Order",
    "PromoCode",
    "PromoRedemption",
    "Refund",
    "TeamMember",
    "Ticket",
    "TicketTier",
    "UTCDateTime",
    "Venue",
    "WaitlistEntry",
    "event_categories",
    "utcnow",
]
