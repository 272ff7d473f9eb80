"""Campaigns: selectors, one module per feature."""
