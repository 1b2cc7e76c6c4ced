"""What `AITICKETS_ENV=production` refuses to start with: settings that are fine on a laptop and
unsafe on the open internet. Each problem names the setting to fix."""

from __future__ import annotations

from .settings import Settings

MIN_SECRET_LENGTH = 32


class UnsafeForProduction(RuntimeError):
    """The server must not start: `problems` says which settings to fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"AITICKETS_ENV=production refuses to start:\n{listed}")


def problems(settings: Settings) -> list[str]:
    """Empty outside production, or when every setting is safe."""
    if settings.env != "production":
        return []
    found: list[str] = []
    if not settings.stripe_secret_key:
        found.append(
            "STRIPE_SECRET_KEY is not set, so payments would go through the demo gateway, where "
            "anyone can mark their own order paid. Set STRIPE_SECRET_KEY (and "
            "STRIPE_WEBHOOK_SECRET)."
        )
    elif not settings.stripe_webhook_secret:
        found.append(
            "STRIPE_WEBHOOK_SECRET is not set, so no card payment would ever be confirmed. Set "
            "STRIPE_WEBHOOK_SECRET to the signing secret of your Stripe webhook endpoint."
        )
    if len(settings.site_secret) < MIN_SECRET_LENGTH:
        found.append(
            f"SITE_SECRET is {'too short' if settings.site_secret else 'not set'}: the public "
            f"forms' CSRF tokens need a secret of at least {MIN_SECRET_LENGTH} characters, the "
            "same in every process. Set SITE_SECRET (for example `openssl rand -hex 32`)."
        )
    if not settings.public_base_url.strip().lower().startswith("https://"):
        found.append(
            f"AITICKETS_PUBLIC_URL is {settings.public_base_url!r}: links in messages, checkout "
            "returns and the phone line need an https:// address. Set AITICKETS_PUBLIC_URL to "
            "https://your.domain."
        )
    return found


def ensure_safe(settings: Settings) -> None:
    found = problems(settings)
    if found:
        raise UnsafeForProduction(found)
