"""The registry of typed tools. Importing this package registers every tool module."""

# Registration is the purpose of these imports.
from . import about, categories, customers, keys, promos, waitlist  # noqa: F401
from .registry import registry

__all__ = ["registry"]
