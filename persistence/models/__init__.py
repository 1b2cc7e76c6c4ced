"""Every table, importable from one place (Alembic reads `Base.metadata` from here)."""

from .base import Base, UTCDateTime, utcnow
from .catalog import Category, Event, EventSeries, TicketTier, Venue, event_categories
from .customers import Customer, CustomerLink, CustomerNote
from .jobs import (
    ConsumerCursor,
    Job,
    ReminderSetting,
    WaitlistOffer,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from .messaging import Message
from .payments import Checkout, PaymentEvent, PaymentLink
from .sales import CheckIn, Order, PromoCode, PromoRedemption, Refund, Ticket, WaitlistEntry
from .site import AboutSection, ApiKey, DomainEvent, TeamMember
from .site_pages import (
    DashboardAccess,
    DashboardCode,
    DashboardSession,
    EventPhoto,
    SiteSetting,
)
from .voice import VoiceTurn
from .voice_platforms import PhoneCallPass, StaffPhone, VoiceToolCall
from .web_sign_in import SignInCode, WebSession

__all__ = [
    "AboutSection",
    "ApiKey",
    "Base",
    "Category",
    "CheckIn",
    "Checkout",
    "ConsumerCursor",
    "Customer",
    "CustomerLink",
    "CustomerNote",
    "DashboardAccess",
    "DashboardCode",
    "DashboardSession",
    "DomainEvent",
    "Event",
    "EventPhoto",
    "EventSeries",
    "Job",
    "Message",
    "Order",
    "PaymentEvent",
    "PaymentLink",
    "PhoneCallPass",
    "PromoCode",
    "PromoRedemption",
    "Refund",
    "ReminderSetting",
    "SignInCode",
    "SiteSetting",
    "StaffPhone",
    "TeamMember",
    "Ticket",
    "TicketTier",
    "UTCDateTime",
    "Venue",
    "VoiceToolCall",
    "VoiceTurn",
    "WaitlistEntry",
    "WaitlistOffer",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "event_categories",
    "utcnow",
]
