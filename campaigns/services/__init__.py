"""Campaigns: services, one module per feature."""
