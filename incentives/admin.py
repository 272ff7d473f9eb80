"""The incentives app in the admin: one module per part."""

from incentives import admin_rules  # noqa: F401  (one module per part)
