"""Read-only JSON API of public data."""
