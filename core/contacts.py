"""A family's phone number or email address at rest: a keyed lookup hash and authenticated encryption.

Nothing stores a contact in clear text. Where a conversation or an outbox row must be *found* by its contact, it
keeps ``contact_hash`` (HMAC-SHA256 under a key derived from ``settings.secret_key``); where a message must be
*sent* to it, it keeps ``encrypt(contact)`` (Fernet: AES-128-CBC + HMAC-SHA256, a fresh IV each time, under a
second derived key). Both keys come from the secret key through HKDF with their own labels, so neither can stand
in for the other. Changing the secret key makes stored contacts unreadable (and a texting family starts a new
conversation).

Every process gives it its settings' secret key through :func:`core.bootstrap` (:func:`configure` sets this vault
alone); a process that did not is configured from the environment's settings on first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from core.keyring import ProcessKeys, derive_key

_ENCRYPTION_LABEL = b"rightsdesk contact encryption v1"
_LOOKUP_LABEL = b"rightsdesk contact lookup v1"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class BadContact(ValueError):
    """Not a phone number or email address we can send to."""


class UnreadableContact(ValueError):
    """A stored contact that the current secret key cannot decrypt (the key changed, or the value was altered)."""


@dataclass(frozen=True)
class ContactVault:
    """The two keys derived from one secret key."""

    fernet: Fernet
    lookup_key: bytes

    @classmethod
    def from_secret(cls, secret_key: str) -> ContactVault:
        """The vault of ``secret_key``."""
        fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret_key, _ENCRYPTION_LABEL)))
        return cls(fernet, derive_key(secret_key, _LOOKUP_LABEL))


_keys = ProcessKeys(ContactVault.from_secret)
configure = _keys.configure  # use a secret key for every contact this process hashes, encrypts or decrypts
_current = _keys.get


def normalize_phone(value: str) -> str:
    """``value`` as E.164 (``+15551234567``); a 10-digit number is taken as North American."""
    digits = re.sub(r"[\s().\-]", "", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"\d{10}", digits):
        digits = "+1" + digits
    elif re.fullmatch(r"1\d{10}", digits):
        digits = "+" + digits
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        raise BadContact("not a phone number (expected something like +15551234567)")
    return digits


def normalize_email(value: str) -> str:
    """``value`` trimmed, with its domain in lower case."""
    value = (value or "").strip()
    if not _EMAIL.match(value) or len(value) > 254:
        raise BadContact("not an email address")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def contact_hash(value: str) -> str:
    """The keyed hash a contact is found by (hex; the same value always gives the same hash)."""
    return hmac.new(_current().lookup_key, value.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> str:
    """``value`` encrypted and authenticated (a different token every time)."""
    return _current().fernet.encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text of :func:`encrypt`'s ``token``."""
    try:
        return _current().fernet.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise UnreadableContact("this contact cannot be decrypted with the current secret key") from exc
