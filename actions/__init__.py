"""Rasa custom actions: where the conversation meets the knowledge base and the help desk.

Run by the action server (``python -m rasa_sdk --actions actions``). Actions read slots through named constants,
call services, utter responses by name and return events; they never touch SQL directly.
"""

from actions.handoff import ActionHandoff
from actions.knowledge import ActionAnswerQuestion, ActionArticleDetail
from actions.request_flows import ActionCheckStatus, ActionOpenRequest, ActionStartRequest

__all__ = [
    "ActionAnswerQuestion",
    "ActionArticleDetail",
    "ActionCheckStatus",
    "ActionHandoff",
    "ActionOpenRequest",
    "ActionStartRequest",
]
