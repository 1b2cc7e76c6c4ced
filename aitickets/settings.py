"""Settings from the environment and `.env`; the one place configuration is read."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), alias="AITICKETS_DATA_DIR")
    database_url: str = Field(default="", alias="DATABASE_URL")
    bootstrap_api_key: str = Field(default="", alias="AITICKETS_API_KEY")

    org_name: str = Field(default="AI Tickets", alias="ORG_NAME")
    org_color: str = Field(default="#4f46e5", alias="ORG_COLOR")
    org_logo_url: str = Field(default="", alias="ORG_LOGO_URL")
    currency: str = Field(default="USD", alias="AITICKETS_CURRENCY")
    default_timezone: str = Field(default="America/New_York", alias="AITICKETS_TIMEZONE")
    # Where the outside world reaches this server: links in messages, and the URL Twilio signs.
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias=AliasChoices("AITICKETS_PUBLIC_URL", "PUBLIC_BASE_URL", "public_base_url"),
    )
    cors_origins: str = Field(default="", alias="CORS_ORIGINS")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_format: str = Field(default="text", alias="LOG_FORMAT")  # text | json
    # Voice agent: the local router needs nothing; with a key, one OpenRouter call may help.
    openrouter_api_key: str = Field(default="", alias="OPENROUTER_API_KEY")
    llm_router_model: str = Field(default="openai/gpt-4o-mini", alias="LLM_ROUTER_MODEL")
    llm_router_timeout: float = Field(default=2.0, gt=0, le=30, alias="LLM_ROUTER_TIMEOUT")
    openrouter_base_url: str = Field(
        default="https://openrouter.ai/api/v1", alias="OPENROUTER_BASE_URL"
    )

    # Live event stream (web/sse.py) and abuse limits (web/limits.py). A stream ends after
    # SSE_MAX_SECONDS (the client reconnects with Last-Event-ID and its key is checked again).
    sse_poll_seconds: float = Field(default=0.5, gt=0, le=30, alias="SSE_POLL_SECONDS")
    sse_heartbeat_seconds: float = Field(default=15, gt=0, alias="SSE_HEARTBEAT_SECONDS")
    sse_max_seconds: float = Field(default=3600, gt=0, alias="SSE_MAX_SECONDS")
    # Limits per client address: "<requests>/<seconds>"; an empty value turns a limit off. Kept in
    # this process, or in Redis (shared by every process) when REDIS_URL is set.
    rate_limit_public: str = Field(default="300/60", alias="RATE_LIMIT_PUBLIC")
    rate_limit_auth: str = Field(default="10/60", alias="RATE_LIMIT_AUTH")
    redis_url: str = Field(default="", alias="REDIS_URL")
    # X-Forwarded-For is read only when this is on, and only on connections from TRUSTED_PROXIES
    # (addresses or CIDRs); the client is the rightmost address in it that is not a proxy.
    trust_forwarded_for: bool = Field(default=False, alias="TRUST_FORWARDED_FOR")
    trusted_proxies: str = Field(default="127.0.0.1, ::1", alias="TRUSTED_PROXIES")
    # Request bodies past these sizes are refused with 413 before they are read; photo uploads
    # have their own cap (0: what a photo of AITICKETS_PHOTO_MAX_BYTES needs, base64 included).
    max_body_bytes: int = Field(default=1_000_000, ge=4_096, alias="AITICKETS_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(default=0, ge=0, alias="AITICKETS_MAX_UPLOAD_BYTES")
    # development | production: production refuses to start while a setting is unsafe for the
    # open internet (aitickets/production.py says which).
    env: Literal["development", "production"] = Field(default="development", alias="AITICKETS_ENV")

    # The public website (web/pages.py, tools/site.py). SITE_SECRET signs the CSRF tokens of its
    # forms; when empty, each process makes a random one (fine for one process).
    site_secret: str = Field(default="", alias="SITE_SECRET")
    photo_max_bytes: int = Field(default=8_000_000, ge=10_000, alias="AITICKETS_PHOTO_MAX_BYTES")
    photos_per_ticket: int = Field(default=5, ge=0, le=1000, alias="AITICKETS_PHOTOS_PER_TICKET")

    # Background jobs, notifications and outbound webhooks (integrations/jobs.py).
    # `aitickets serve` turns the in-process worker on; the test client leaves it off.
    worker_enabled: bool = Field(default=False, alias="AITICKETS_WORKER")
    worker_poll_seconds: float = Field(default=0.5, gt=0, alias="AITICKETS_WORKER_POLL_SECONDS")
    job_lease_seconds: float = Field(default=60, gt=0, alias="AITICKETS_JOB_LEASE_SECONDS")
    retry_base_seconds: float = Field(default=30, gt=0, alias="AITICKETS_RETRY_BASE_SECONDS")
    webhook_allow_private: bool = Field(default=False, alias="AITICKETS_WEBHOOK_ALLOW_PRIVATE")
    webhook_timeout_seconds: float = Field(default=10, gt=0, alias="AITICKETS_WEBHOOK_TIMEOUT")
    reminder_hours: int = Field(default=24, ge=1, le=720, alias="AITICKETS_REMINDER_HOURS")
    waitlist_hold_minutes: int = Field(default=60, ge=1, alias="AITICKETS_WAITLIST_HOLD_MINUTES")
    resend_api_key: str = Field(default="", alias="RESEND_API_KEY")
    email_from: str = Field(default="AI Tickets <tickets@example.com>", alias="EMAIL_FROM")
    twilio_account_sid: str = Field(default="", alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field(default="", alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str = Field(default="", alias="TWILIO_FROM_NUMBER")

    # Voice platforms (web/voice_*.py). Vapi sends an API key (Bearer) or VAPI_SECRET
    # (X-Vapi-Secret); Retell signs each request with RETELL_API_KEY; the Twilio phone line is
    # verified with TWILIO_AUTH_TOKEN. A call authenticated by a platform secret rather than an
    # API key acts with VOICE_PLATFORM_ROLE.
    vapi_secret: str = Field(default="", alias="VAPI_SECRET")
    retell_api_key: str = Field(default="", alias="RETELL_API_KEY")
    voice_platform_role: Literal["agent", "staff", "admin"] = Field(
        default="staff", alias="VOICE_PLATFORM_ROLE"
    )

    # Payments (integrations/payments.py): Stripe when a secret key is set, else the demo
    # gateway (a local TEST MODE checkout page). Ticket documents (tools/documents.py).
    stripe_secret_key: str = Field(default="", alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str = Field(default="", alias="STRIPE_WEBHOOK_SECRET")
    stripe_timeout_seconds: float = Field(default=10, gt=0, le=60, alias="STRIPE_TIMEOUT_SECONDS")
    stripe_max_retries: int = Field(default=1, ge=0, le=5, alias="STRIPE_MAX_RETRIES")
    checkout_hold_minutes: int = Field(default=15, ge=1, le=1440, alias="CHECKOUT_HOLD_MINUTES")
    # Anonymous card checkouts hold seats unpaid: together at most this share of a tier, and one
    # client address at most this many seats per hold period, so nobody can hold every seat.
    hold_share: float = Field(default=0.5, gt=0, le=1, alias="AITICKETS_HOLD_SHARE")
    holds_per_client: int = Field(default=10, ge=1, alias="AITICKETS_HOLDS_PER_CLIENT")
    wallet_cert: str = Field(default="", alias="WALLET_CERT")  # PEM paths
    wallet_key: str = Field(default="", alias="WALLET_KEY")
    wallet_key_password: str = Field(default="", alias="WALLET_KEY_PASSWORD")
    wallet_wwdr: str = Field(default="", alias="WALLET_WWDR")
    wallet_pass_type_id: str = Field(
        default="pass.com.example.aitickets", alias="WALLET_PASS_TYPE_ID"
    )
    wallet_team_id: str = Field(default="AITICKETS0", alias="WALLET_TEAM_ID")

    @property
    def upload_body_limit(self) -> int:
        if self.max_upload_bytes:
            return self.max_upload_bytes
        return math.ceil(self.photo_max_bytes * 4 / 3) + 64_000  # base64, the form or JSON

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'aitickets.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
