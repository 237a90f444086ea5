"""The texts of a one-time code, by SMS and by email, in English and Spanish (``verification.*`` in the catalogue)."""

from __future__ import annotations

from core.messages import message


def code_message(kind: str, language: str, sender: str, code: str, minutes: int) -> tuple[str | None, str]:
    """``(subject, body)`` of a code message (no subject for an SMS)."""
    values = {"sender": sender, "code": code, "minutes": minutes}
    if kind == "email":
        return message("verification.code_email_subject", language), message(
            "verification.code_email_body", language, **values
        )
    return None, message("verification.code_sms", language, **values)
