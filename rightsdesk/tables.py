"""Every table's model, imported in one place so ``Base.metadata`` is complete (Alembic, tests)."""

from channels.limits.models import RateCounter, RateLease
from channels.sms.models import SmsInbound
from conversations.models import Conversation, ConversationMessage
from core.db import Base
from identity.roster.models import RosterLink, RosterOrg, RosterPerson
from identity.verification.models import VerificationCode, VerificationSession
from outbox.models import OutboxMessage, SmsOptOut
from ticketing.audit.models import AuditEntry, AuditHead
from ticketing.auth.models import LoginFailure, OfficerSession
from ticketing.links.models import FollowLink, RecordsLink
from ticketing.officers.models import Officer
from ticketing.sla.models import SlaNotice
from ticketing.tickets.models import Ticket, TicketAttachment, TicketEvent

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Conversation",
    "ConversationMessage",
    "FollowLink",
    "LoginFailure",
    "Officer",
    "OfficerSession",
    "OutboxMessage",
    "RateCounter",
    "RateLease",
    "RecordsLink",
    "RosterLink",
    "RosterOrg",
    "RosterPerson",
    "SlaNotice",
    "SmsInbound",
    "SmsOptOut",
    "Ticket",
    "TicketAttachment",
    "TicketEvent",
    "VerificationCode",
    "VerificationSession",
]
