"""Card payments: a checkout per pending online order (its seats held until paid or expired),
reusable payment links, and the payment-provider events already processed (idempotency)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, utcnow


class Checkout(Timestamped, Base):
    """One payment attempt for an order. While `open` it holds `quantity` seats of `tier_id`
    (counted in ticket_tiers.held) until `expires_at`; `complete` issued the tickets."""

    __tablename__ = "checkouts"
    __table_args__ = (Index("ix_checkouts_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(16))  # stripe | demo
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    url: Mapped[str] = mapped_column(String(2000), default="")
    tier_id: Mapped[int] = mapped_column(ForeignKey("ticket_tiers.id"), index=True)
    quantity: Mapped[int]
    holder_name: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(
        String(16), default="open"
    )  # open|complete|expired|cancelled
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    payment_ref: Mapped[str | None] = mapped_column(String(255))  # Stripe payment intent
    payment_link_id: Mapped[int | None] = mapped_column(ForeignKey("payment_links.id"))


class PaymentLink(Timestamped, Base):
    """A reusable link that sells `quantity` tickets of one tier each time someone pays."""

    __tablename__ = "payment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    link_id: Mapped[str] = mapped_column(String(255), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("ticket_tiers.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(default=1)
    price_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class PaymentEvent(Base):
    """A provider event (webhook) already applied: a replay or duplicate changes nothing."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_ref: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
