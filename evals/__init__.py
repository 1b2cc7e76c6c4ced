"""Recorded conversations replayed against a seeded database."""
