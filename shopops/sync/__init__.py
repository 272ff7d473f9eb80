"""Polling and push processing that keep the local copy of platform data complete and free of duplicates."""
