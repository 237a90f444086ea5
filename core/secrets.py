"""The vault for secrets at rest: :class:`Vault` seals, opens, and computes lookup and code hashes.

Its keys are derived from ``settings.secret_key`` through HKDF with their own labels (:mod:`core.keyring`). The
roster, verification and the officers' second factor use it. (A family's phone or email on a conversation or an
outbox row is still encrypted by :mod:`core.contacts`, with Fernet; moving it here needs a data migration of the
stored tokens.)

- **Sealed values** (a contact on file, an answer held for a moment between the gateway and the action server, an
  officer's authenticator secret):
  AES-256-GCM with a fresh 96-bit nonce; the *purpose* is the associated data, so a value sealed for one column
  cannot be opened as another. Stored as ``v1.<urlsafe base64 of nonce + ciphertext>``.
- **Lookup hashes** (a student's date of birth): HMAC-SHA256, the same input always giving the same hash, so the
  roster can be searched without keeping the date itself.
- **Code hashes**: HMAC-SHA256 of a one-time code with a per-code random salt, compared with
  :func:`hmac.compare_digest`.

Changing the secret key makes everything here unreadable: re-import the roster afterwards (codes and held answers
live minutes, so they simply expire). Every process gives it its settings' secret key through
:func:`core.bootstrap` (:func:`configure` sets this vault alone); one that did not is configured from the
environment's settings on first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.keyring import ProcessKeys, derive_key

_SEAL_LABEL = b"rightsdesk identity seal v1"
_LOOKUP_LABEL = b"rightsdesk identity lookup v1"
_CODE_LABEL = b"rightsdesk verification code v1"
SEALED_PREFIX = "v1."  # every sealed value starts so
_NONCE_BYTES = 12


class UnreadableValue(ValueError):
    """A sealed value the current secret key cannot open (the key changed, or the value was altered)."""


@dataclass(frozen=True)
class Vault:
    """The three keys derived from one secret key, and what they do."""

    seal_key: AESGCM
    lookup_key: bytes
    code_key: bytes

    @classmethod
    def from_secret(cls, secret_key: str) -> Vault:
        """The vault of ``secret_key``."""
        return cls(
            AESGCM(derive_key(secret_key, _SEAL_LABEL)),
            derive_key(secret_key, _LOOKUP_LABEL),
            derive_key(secret_key, _CODE_LABEL),
        )

    def seal(self, value: str, purpose: str) -> str:
        """``value`` encrypted and authenticated for ``purpose`` (a different token every time)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self.seal_key.encrypt(nonce, value.encode(), purpose.encode())
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, token: str, purpose: str) -> str:
        """The clear text of :meth:`seal`'s ``token`` (raises :class:`UnreadableValue`)."""
        if not token.startswith(SEALED_PREFIX):
            raise UnreadableValue("not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(token[len(SEALED_PREFIX) :].encode("ascii"))
            return self.seal_key.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise UnreadableValue("this value cannot be opened with the current secret key") from exc

    def lookup_hash(self, value: str, purpose: str) -> str:
        """A keyed hash to find ``value`` by (hex), separate per ``purpose``."""
        return hmac.new(self.lookup_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def code_hash(self, code: str, salt: str) -> str:
        """The keyed, salted hash a one-time code is kept as (hex)."""
        return hmac.new(self.code_key, f"{salt}\x00{code}".encode(), hashlib.sha256).hexdigest()


_keys = ProcessKeys(Vault.from_secret)
configure = _keys.configure  # use a secret key for every identity value this process seals, hashes or opens
vault = _keys.get  # the vault of this process
