"""The audit log: who viewed or changed which ticket's personal data, append-only and hash-chained."""
