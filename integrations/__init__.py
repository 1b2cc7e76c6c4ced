"""External services behind small protocols, each with an embedded default."""
