"""The texts of a one-time code, by SMS and by email, in English and Spanish."""

from __future__ import annotations

SMS = {
    "en": "{sender}: your verification code is {code}. Type it only in the chat where you asked for it. It expires "
    "in {minutes} minutes. Nobody from the school will ask you for it by phone or message. If you did not ask for "
    "a code, do nothing.",
    "es": "{sender}: su código de verificación es {code}. Escríbalo solo en el chat donde lo pidió. Vence en "
    "{minutes} minutos. Ninguna persona de la escuela se lo pedirá por teléfono ni por mensaje. Si usted no pidió "
    "este código, no haga nada.",
}
EMAIL_SUBJECT = {"en": "Your verification code", "es": "Su código de verificación"}
EMAIL_BODY = {
    "en": "Hello,\n\nSomeone asked the {sender} student-privacy assistant to confirm your identity for a request "
    "about a student's records.\n\nYour verification code is {code}\n\nType it in the chat where you asked for "
    "it. It expires in {minutes} minutes and works once. Nobody from the school will ask you for it by phone or "
    "email.\n\nIf you did not ask for this code, do nothing: without the code nobody can go on with the "
    "request.\n\n{sender} privacy office",
    "es": "Hola:\n\nAlguien pidió al asistente de privacidad estudiantil de {sender} confirmar su identidad para "
    "una solicitud sobre el expediente de un estudiante.\n\nSu código de verificación es {code}\n\nEscríbalo en el "
    "chat donde lo pidió. Vence en {minutes} minutos y sirve una sola vez. Ninguna persona de la escuela se lo "
    "pedirá por teléfono ni por correo.\n\nSi usted no pidió este código, no haga nada: sin el código nadie puede "
    "continuar con la solicitud.\n\nOficina de privacidad de {sender}",
}


def code_message(kind: str, language: str, sender: str, code: str, minutes: int) -> tuple[str | None, str]:
    """``(subject, body)`` of a code message (no subject for an SMS)."""
    lang = "es" if language == "es" else "en"
    values = {"sender": sender, "code": code, "minutes": minutes}
    if kind == "email":
        return EMAIL_SUBJECT[lang], EMAIL_BODY[lang].format(**values)
    return None, SMS[lang].format(**values)
