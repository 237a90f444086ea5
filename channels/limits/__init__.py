"""Abuse limits at the public edge: how many requests an address, a conversation or a phone number may make."""
