"""The texts of a one-time code, by SMS and by email, in English and Spanish."""

from __future__ import annotations

SMS = {
    "en": "{sender}: your verification code is {code}. It expires in {minutes} minutes. Nobody from the school will "
    "ask you for it. If you did not ask for a code, ignore this message.",
    "es": "{sender}: su código de verificación es {code}. Vence en {minutes} minutos. Nadie de la escuela se lo "
    "pedirá. Si usted no pidió un código, ignore este mensaje.",
}
EMAIL_SUBJECT = {"en": "Your verification code", "es": "Su código de verificación"}
EMAIL_BODY = {
    "en": "Hello,\n\nSomeone asked the {sender} student-privacy assistant to confirm your identity for a request "
    "about a student's records.\n\nYour verification code is {code}\n\nType it in the conversation. It expires in "
    "{minutes} minutes and works once. Nobody from the school will ask you for it.\n\nIf you did not ask for a "
    "code, ignore this email: nothing happens without it.\n\n{sender} privacy office",
    "es": "Hola:\n\nAlguien pidió al asistente de privacidad estudiantil de {sender} confirmar su identidad para "
    "una solicitud sobre los registros de un estudiante.\n\nSu código de verificación es {code}\n\nEscríbalo en la "
    "conversación. Vence en {minutes} minutos y sirve una sola vez. Nadie de la escuela se lo pedirá.\n\nSi usted "
    "no pidió un código, ignore este correo: no pasa nada sin él.\n\nOficina de privacidad de {sender}",
}


def code_message(kind: str, language: str, sender: str, code: str, minutes: int) -> tuple[str | None, str]:
    """``(subject, body)`` of a code message (no subject for an SMS)."""
    lang = "es" if language == "es" else "en"
    values = {"sender": sender, "code": code, "minutes": minutes}
    if kind == "email":
        return EMAIL_SUBJECT[lang], EMAIL_BODY[lang].format(**values)
    return None, SMS[lang].format(**values)
