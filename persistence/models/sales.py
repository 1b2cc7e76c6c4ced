"""Money and admission: orders, tickets, the check-in log, refunds, promo codes, waitlist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped


class PromoCode(Timestamped, Base):
    __tablename__ = "promo_codes"
    __table_args__ = (CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="uses"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # stored upper-case
    kind: Mapped[str] = mapped_column(String(8))  # percent | fixed
    amount: Mapped[int]  # percent 1-100, or minor units
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)


class Order(Timestamped, Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))  # pending | paid | refunded | cancelled
    payment_method: Mapped[str] = mapped_column(String(16))  # cash | comp | card | free
    subtotal_cents: Mapped[int]
    discount_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    promo_code_id: Mapped[int | None] = mapped_column(ForeignKey("promo_codes.id"))
    # The buyer's own link to their tickets; unguessable, never listed.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    payment_ref: Mapped[str | None] = mapped_column(String(200))
    sold_by: Mapped[str] = mapped_column(String(100), default="online")
    expires_at: Mapped[datetime | None]


class Ticket(Timestamped, Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_event_status", "event_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    tier_id: Mapped[int] = mapped_column(ForeignKey("ticket_tiers.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="valid")
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
    price_cents: Mapped[int]
    checked_in_at: Mapped[datetime | None]


class CheckIn(Timestamped, Base):
    """Every admission and every undo, so "undo that" and door audits have a history."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # check_in | undo
    method: Mapped[str] = mapped_column(String(16))  # qr | name | party | offline[_name|_party]
    actor: Mapped[str] = mapped_column(String(100))


class Refund(Timestamped, Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))


class PromoRedemption(Timestamped, Base):
    __tablename__ = "promo_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    promo_code_id: Mapped[int] = mapped_column(ForeignKey("promo_codes.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    discount_cents: Mapped[int]


class WaitlistEntry(Timestamped, Base):
    __tablename__ = "waitlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_tiers.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting|offered|removed
    notified_at: Mapped[datetime | None]
