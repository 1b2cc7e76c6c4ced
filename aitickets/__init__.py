"""AI Tickets: voice-first event ticketing for AI agents."""

__version__ = "0.1.0"
