"""A message from the office reaches the family's web chat transcript."""

import pytest
from sqlalchemy.orm import Session, sessionmaker

from channels.delivery import UnknownConversation, send_to_family
from conversations.service import start_conversation, transcript
from core.db import unit_of_work


def test_an_office_message_joins_the_web_conversation(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as db_session:
        conversation, _token = start_conversation(db_session=db_session, channel="web")
        ref = conversation.rasa_sender
    with unit_of_work(session_factory) as db_session:
        delivery = send_to_family(db_session=db_session, requester_ref=ref, text="We have your request.")
        assert delivery.channel == "web"
    with unit_of_work(session_factory) as db_session:
        conversation = db_session.get_one(type(conversation), delivery.conversation_id)
        (message,) = transcript(db_session=db_session, conversation=conversation)
        assert message.direction == "out" and message.text == "We have your request."
        assert message.data == {"from": "office"}


def test_an_unknown_conversation_is_refused(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as db_session, pytest.raises(UnknownConversation):
        send_to_family(db_session=db_session, requester_ref="nobody", text="hello")
