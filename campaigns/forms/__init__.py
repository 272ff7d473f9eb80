"""Campaigns: forms, one module per feature."""
