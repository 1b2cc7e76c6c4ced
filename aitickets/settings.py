"""Settings from the environment and `.env`; the one place configuration is read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
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
    public_base_url: str = Field(default="http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
    cors_origins: str = Field(default="", alias="CORS_ORIGINS")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_format: str = Field(default="text", alias="LOG_FORMAT")  # text | json

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'aitickets.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
