"""The registry of typed tools. Importing this package registers every tool module."""

from . import keys  # noqa: F401  (registration is the import's purpose)
from .registry import registry

__all__ = ["registry"]
