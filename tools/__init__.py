"""The registry of typed tools. Importing this package registers every tool module."""

# Registration is the purpose of these imports.
from . import (  # noqa: F401
    about,
    analytics,
    categories,
    checkin,
    crm,
    customers,
    documents,
    events,
    keys,
    messages,
    orders,
    promos,
    tickets,
    tiers,
    venues,
    waitlist,
)
from .registry import registry

__all__ = ["registry"]
