"""The registry of typed tools. Importing this package registers every tool module."""

# Registration is the purpose of these imports.
from . import (  # noqa: F401
    about,
    analytics,
    categories,
    checkin,
    crm,
    customers,
    dashboard,
    dashboard_access,
    documents,
    door,
    events,
    jobs,
    keys,
    messages,
    notify,
    orders,
    payments,
    promos,
    refund_recovery,
    sign_in,
    site,
    staff_phones,
    stream,
    tickets,
    tiers,
    transcripts,
    venues,
    waitlist,
    waitlist_offers,
    webhooks,
)
from .registry import registry

__all__ = ["registry"]
