"""The public website's own state: brand overrides, attendee photos, and the event dashboard's
magic-link codes, sessions and the phones allowed to ask for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, utcnow


class SiteSetting(Base):
    """CMS overrides of settings shown on every page (brand_name, brand_color, brand_logo)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EventPhoto(Timestamped, Base):
    """A re-encoded image in `$AITICKETS_DATA_DIR/photos/<stored_name>`; the name is random."""

    __tablename__ = "event_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    caption: Mapped[str] = mapped_column(String(300), default="")
    uploaded_by: Mapped[str] = mapped_column(String(200), default="")


class DashboardAccess(Timestamped, Base):
    """A phone number allowed to open one event's dashboard (besides the event's promoter)."""

    __tablename__ = "dashboard_access"
    __table_args__ = (UniqueConstraint("event_id", "phone", name="event_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    name: Mapped[str] = mapped_column(String(200), default="")


class DashboardCode(Timestamped, Base):
    """A request for a sign-in code. Every request is recorded (so the per-phone rate limit also
    counts numbers that may not sign in); only allowed ones carry a code, stored hashed."""

    __tablename__ = "dashboard_codes"
    __table_args__ = (Index("ix_dashboard_codes_phone_created", "phone_hash", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    phone_hash: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class DashboardSession(Timestamped, Base):
    """A signed-in dashboard: the browser holds the raw token, the database its hash."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
