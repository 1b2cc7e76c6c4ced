"""The thin HTTP layer: routes parse, call the registry, and map errors."""
