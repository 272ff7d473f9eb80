"""The campaigns admin: one module per feature."""

from campaigns import admin_previews  # noqa: F401
