"""Every text the help desk sends a family, in English and Spanish: ``family.*`` in the message catalogue.

The request's type and status in the family's words are ``ticket_category.*`` and ``ticket_status.*``; dates are
:func:`core.i18n.long_date`, the same as the assistant's.
"""

from __future__ import annotations

from core.messages import message
from ticketing.tickets.enums import TicketCategory, TicketStatus


def category_label(category: TicketCategory | str, lang: str) -> str:
    """The request type in the family's words."""
    return message(f"ticket_category.{TicketCategory(category).value}", lang)


def status_label(status: TicketStatus | str, lang: str) -> str:
    """The status in the family's words."""
    return message(f"ticket_status.{TicketStatus(status).value}", lang)


def text(key: str, lang: str, **values: object) -> str:
    """One message of the ``family`` section in ``lang``."""
    return message(f"family.{key}", lang, **values)
