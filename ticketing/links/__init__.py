"""Links the office sends a family: records by a secure, expiring link, and a short-lived page to follow a request."""
