"""The campaigns' admin, one module per feature (each registers its own models)."""

from campaigns import admin_plays  # noqa: F401
