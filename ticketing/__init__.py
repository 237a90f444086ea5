"""The help desk: tickets, routing, deadlines, officers and the audit trail (the domain behind the console)."""
