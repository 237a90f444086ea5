"""Reports for the dashboard: tickets by category and status, time to resolve, answers on time."""
