"""One call that gives every key holder of this process the deployment's secret key.

The gateway, the action server, the outbox worker and every ``rightsdesk`` command call :func:`configure_keys`
with ``settings.secret_key`` before touching contacts, the roster, sealed values or the audit log.
"""

from __future__ import annotations


def configure_keys(secret_key: str) -> None:
    """Contacts, identity seals and the audit chain all use ``secret_key`` from now on in this process."""
    from core import contacts
    from identity import vault
    from ticketing.audit import service as audit

    contacts.configure(secret_key)
    vault.configure(secret_key)
    audit.configure(secret_key)
