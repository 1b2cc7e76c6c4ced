"""Event goers: contact, preferences, VIP, notes, and the family/party links between them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped


class Customer(Timestamped, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased, accent-folded copy of `name`, so search needs no per-row function call.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164
    birthday: Mapped[date | None]
    vip: Mapped[bool] = mapped_column(default=False)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    email_opt_in: Mapped[bool] = mapped_column(default=True)
    sms_opt_in: Mapped[bool] = mapped_column(default=False)
    marketing_opt_in: Mapped[bool] = mapped_column(default=False)


class CustomerNote(Timestamped, Base):
    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="note")  # note | insight | do_not_call
    author: Mapped[str] = mapped_column(String(100), default="")


class CustomerLink(Timestamped, Base):
    """A declared relation ("wife", "son", "friend"); parties also follow from shared orders."""

    __tablename__ = "customer_links"
    __table_args__ = (UniqueConstraint("customer_id", "related_id", name="pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    related_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(32))
