"""Every table's model, imported in one place so ``Base.metadata`` is complete (Alembic, tests)."""

from channels.models import Conversation, ConversationMessage
from ticketing.database import Base
from ticketing.officers.models import Officer
from ticketing.tickets.models import Ticket, TicketEvent

__all__ = ["Base", "Conversation", "ConversationMessage", "Officer", "Ticket", "TicketEvent"]
