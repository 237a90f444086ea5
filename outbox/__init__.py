"""The durable outbox: every SMS and email leaves through it, with retries, backoff and a visible failure."""
