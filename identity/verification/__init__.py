"""Verifying who is asking about a student: roster match, then a one-time code to the contact on file."""
