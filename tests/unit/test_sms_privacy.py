"""Phone numbers at rest: normalized, found by a keyed hash, stored encrypted; the fallback detector."""

from __future__ import annotations

import pytest

from channels.fallback import FallbackDetector, fallback_texts
from channels.rasa_client import BotMessage
from core import contacts
from core.contacts import BadContact, ContactVault, UnreadableContact
from tests.fakes.rasa import bot_response_text


@pytest.fixture(autouse=True)
def _vault() -> None:
    contacts.configure("a test secret key that is long enough to be a real one")


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+1 (555) 765-4321", "+15557654321"),
        ("555.765.4321", "+15557654321"),
        ("15557654321", "+15557654321"),
        ("0044 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(raw: str, normalized: str) -> None:
    assert contacts.normalize_phone(raw) == normalized


@pytest.mark.parametrize("raw", ["", "12345", "call me", "+0123456789"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(BadContact):
        contacts.normalize_phone(raw)


def test_the_lookup_hash_is_keyed_and_stable() -> None:
    first = contacts.contact_hash("+15557654321")
    assert first == contacts.contact_hash("+15557654321") and "5557654321" not in first
    contacts.configure("another secret key, another deployment, other hashes")
    assert contacts.contact_hash("+15557654321") != first


def test_encryption_round_trips_differs_each_time_and_refuses_another_key() -> None:
    token = contacts.encrypt("+15557654321")
    assert token != contacts.encrypt("+15557654321") and "5557654321" not in token
    assert contacts.decrypt(token) == "+15557654321"
    contacts.configure("another secret key, another deployment, other hashes")
    with pytest.raises(UnreadableContact):
        contacts.decrypt(token)


def test_the_two_derived_keys_differ() -> None:
    vault = ContactVault.from_secret("s" * 40)
    assert vault.lookup_key != vault.fernet._signing_key


def test_fallback_texts_come_from_the_bot_domain_in_both_languages() -> None:
    texts = fallback_texts()
    assert len(texts) == 4
    detector = FallbackDetector(texts)
    assert detector.not_understood([BotMessage(text=bot_response_text("utter_default", "es"))])
    assert detector.not_understood([BotMessage(text="x"), BotMessage(text=bot_response_text("utter_kb_none"))])
    assert not detector.not_understood([BotMessage(text="Hello! I can help with your child's data.")])
