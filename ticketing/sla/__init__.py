"""Deadlines at work: reminders before a request's due date and escalation once it is overdue."""
