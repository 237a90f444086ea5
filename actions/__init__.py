"""Rasa custom actions: where the conversation meets the knowledge base, the help desk and identity verification.

Run by the action server (``python -m rasa_sdk --actions actions``). Actions read slots through named constants,
call services, utter responses by name and return events; they never touch SQL directly.
"""

from actions.handoff import ActionHandoff
from actions.knowledge import ActionAnswerQuestion, ActionArticleDetail
from actions.request_flows import (
    ActionAcceptOffer,
    ActionCancelRequest,
    ActionChangeAnswer,
    ActionOpenRequest,
    ActionStartRequest,
    ActionStrayAnswer,
)
from actions.request_form import ActionAskOptoutCategories, ActionAskRequestConfirmed, ValidateRequestForm
from actions.verification import (
    ActionAskStudentDob,
    ActionAskVerificationCode,
    ActionNoCode,
    ActionResendCode,
    ActionVerifyAnotherWay,
)

__all__ = [
    "ActionAcceptOffer",
    "ActionAnswerQuestion",
    "ActionArticleDetail",
    "ActionAskOptoutCategories",
    "ActionAskRequestConfirmed",
    "ActionAskStudentDob",
    "ActionAskVerificationCode",
    "ActionCancelRequest",
    "ActionChangeAnswer",
    "ActionHandoff",
    "ActionNoCode",
    "ActionOpenRequest",
    "ActionResendCode",
    "ActionStartRequest",
    "ActionStrayAnswer",
    "ActionVerifyAnotherWay",
    "ValidateRequestForm",
]
