"""Campaigns: views, one module per feature."""
