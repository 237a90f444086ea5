"""Tickets: the requests families open and privacy officers work."""
