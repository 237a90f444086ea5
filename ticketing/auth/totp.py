"""RFC 6238 time-based one-time passwords (RFC 4226 HOTP over HMAC), implemented with the standard library.

Defaults are what authenticator apps expect: SHA-1, 6 digits, 30-second steps. A code is accepted for the current
step and one step either side (clock drift); the caller remembers the last accepted step so no code works twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (what otpauth URIs carry)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226: HMAC the big-endian counter, dynamically truncate, keep ``digits`` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % (10**digits)).zfill(digits)


def time_step(at: datetime | float, step: int = STEP_SECONDS) -> int:
    """The RFC 6238 counter T for a moment."""
    seconds = at.timestamp() if isinstance(at, datetime) else at
    return int(seconds // step)


def totp(secret: str, at: datetime | float, digits: int = DIGITS, digest: str = "sha1") -> str:
    """The code an authenticator shows at ``at``."""
    return hotp(_key(secret), time_step(at), digits, digest)


def matching_step(secret: str, code: str, at: datetime, window: int = 1) -> int | None:
    """The time step ``code`` is valid for (within ``window`` steps of ``at``), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    current = time_step(at)
    found = None
    for step in range(current - window, current + window + 1):
        # Compare every candidate (constant time per comparison, no early exit).
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app enrols from (often shown as a QR code)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
