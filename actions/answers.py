"""What families type in the request form, turned into values, and the request read back to them (pure).

Choices come from buttons (an entity value) or typed words in English or Spanish ("I'm his mom", "tutor legal",
"copias", "solo reclutadores militares"). The summary is what the family confirms and what the ticket keeps: it
never holds a date of birth, a code, a student number or a contact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions import slots as s
from identity.names import fold, looks_like_full_name

MAX_TEXT = 1000
MIN_TEXT = 3
# Not a description: what people type when they want out (the form asks again; "cancel" leaves it).
DISMISSALS = frozenset(
    {"no", "nope", "never mind", "nevermind", "forget it", "nothing", "idk", "nada", "olvidelo", "olvidalo", "no se"}
)

# Words that give a choice away, checked in order (the first group with a hit wins).
_CHOICES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    s.RELATIONSHIP: [
        ("guardian", ("guardian", "tutor", "tutora", "guardian legal", "custodian", "tutela")),
        (
            "parent",
            (
                "parent",
                "mom",
                "mum",
                "mother",
                "mommy",
                "dad",
                "father",
                "daddy",
                "stepmother",
                "stepfather",
                "madre",
                "padre",
                "mama",
                "papa",
                "mami",
                "papi",
                "madrastra",
                "padrastro",
            ),
        ),
        ("student", ("student", "myself", "me", "estudiante", "alumno", "alumna", "yo", "mismo", "misma")),
    ],
    s.RECORDS_ACCESS: [
        ("both", ("both", "ambas", "ambos", "dos")),
        ("copies", ("copy", "copies", "copia", "copias", "send", "email", "mail", "enviar", "mandar", "manden")),
        (
            "inspect",
            (
                "look",
                "see",
                "inspect",
                "review",
                "read",
                "ver",
                "verlo",
                "verlos",
                "revisar",
                "revisarlo",
                "revisarlos",
                "mirar",
            ),
        ),
    ],
    s.OPTOUT_SCOPE: [
        (
            "military",
            (
                "military",
                "recruiter",
                "recruiters",
                "army",
                "navy",
                "marines",
                "militar",
                "militares",
                "reclutador",
                "reclutadores",
                "ejercito",
            ),
        ),
        ("some", ("some", "certain", "part", "algunas", "algunos", "ciertas", "ciertos", "parte")),
        ("all", ("all", "everything", "every", "todo", "toda", "todas", "todos", "nada")),
    ],
    s.MISUSE_ANONYMOUS: [
        ("yes", ("yes", "si", "anonymous", "anonymously", "anonimo", "anonima", "anonimato", "without", "sin")),
        ("no", ("no", "name", "nombre", "identify", "identificarme")),
    ],
    s.CONSENT_ACTION: [
        (
            "withdraw",
            (
                "withdraw",
                "revoke",
                "cancel",
                "back",
                "remove",
                "stop",
                "retirar",
                "retirarlo",
                "retiro",
                "revocar",
                "quitar",
                "cancelar",
            ),
        ),
        (
            "give",
            (
                "give",
                "grant",
                "allow",
                "sign",
                "dar",
                "darlo",
                "darla",
                "doy",
                "otorgar",
                "otorgo",
                "permitir",
                "permito",
                "autorizar",
                "autorizo",
            ),
        ),
    ],
}
# A keyword after one of these words, in the same clause, means the opposite ("ya no doy permiso" is a withdrawal,
# "no quiero dar mi nombre" is anonymous) for the choices that have an opposite.
_NEGATIONS = frozenset({"no", "not", "dont", "don", "never", "nunca", "tampoco", "ni"})
_OPPOSITES: dict[str, dict[str, str]] = {
    s.CONSENT_ACTION: {"give": "withdraw", "withdraw": "give"},
    s.MISUSE_ANONYMOUS: {"yes": "no", "no": "yes"},
}
CHOICE_VALUES = {slot: {value for value, _ in groups} for slot, groups in _CHOICES.items()}
TEXT_SLOTS = (
    s.RECORD_TO_CORRECT,
    s.CORRECTION_PROBLEM,
    s.CORRECTION_REASON,
    s.OPTOUT_CATEGORIES,
    s.CONSENT_DETAILS,
    s.COMPLAINT_DETAILS,
    s.MISUSE_DETAILS,
)
NAME_SLOTS = (s.REQUESTER_NAME, s.STUDENT_NAME, s.REPORTER_NAME)


def choice(slot: str, value: Any) -> str | None:
    """The value of a choice slot for a button's value or typed words, or None."""
    if not isinstance(value, str):
        return None
    if value in CHOICE_VALUES[slot]:
        return value
    # "no, use my name": a "no" in another clause answers, it negates nothing.
    clauses = [re.findall(r"[a-z]+", clause) for clause in re.split(r"[,.;:!?]+", fold(value))]
    found = _keyword_choice(slot, clauses, skip=_NEGATIONS) or _keyword_choice(slot, clauses, skip=frozenset())
    if found is None:
        return None
    choice_value, tokens, position = found
    negated = tokens[position] not in _NEGATIONS and bool(_NEGATIONS & set(tokens[:position]))
    return _OPPOSITES.get(slot, {}).get(choice_value, choice_value) if negated else choice_value


def _keyword_choice(slot: str, clauses: list[list[str]], skip: frozenset[str]) -> tuple[str, list[str], int] | None:
    """The first choice (in the slot's order) with a keyword in the text (not counting ``skip``), and where."""
    for choice_value, keywords in _CHOICES[slot]:
        for tokens in clauses:
            for position, token in enumerate(tokens):
                if token in keywords and token not in skip:
                    return choice_value, tokens, position
    return None


def full_name(value: Any) -> str | None:
    """A name as typed (spaces tidied) if it looks like a full name, else None."""
    if not isinstance(value, str) or not looks_like_full_name(value):
        return None
    return " ".join(value.split())


def free_text(value: Any) -> str | None:
    """A description as typed (at most :data:`MAX_TEXT` characters), or None if there is hardly anything."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if len(text) < MIN_TEXT or text.startswith("/") or fold(text).strip(" .!?¡¿,") in DISMISSALS:
        return None
    return text[:MAX_TEXT]


def answer_for(slot: str, value: Any) -> str | None:
    """The value ``slot`` takes from a typed answer, or None when it is not an answer to that question."""
    if slot in _CHOICES:
        return choice(slot, value)
    if slot in NAME_SLOTS:
        return full_name(value)
    if slot in TEXT_SLOTS:
        return free_text(value)
    return None


LABELS: dict[str, dict[str, str]] = {
    "en": {
        s.RELATIONSHIP: "Who is asking",
        s.REQUESTER_NAME: "Your name",
        s.STUDENT_NAME: "Student",
        s.STUDENT_DOB: "Date of birth",
        s.RECORDS_ACCESS: "Look or copies",
        s.RECORD_TO_CORRECT: "Record",
        s.CORRECTION_PROBLEM: "What is wrong",
        s.CORRECTION_REASON: "Why",
        s.OPTOUT_SCOPE: "Stop sharing",
        s.OPTOUT_CATEGORIES: "Categories",
        s.CONSENT_ACTION: "Consent",
        s.CONSENT_DETAILS: "Which records, to whom",
        s.COMPLAINT_DETAILS: "What happened",
        s.MISUSE_ANONYMOUS: "Anonymous",
        s.REPORTER_NAME: "Your name",
        s.MISUSE_DETAILS: "What happened",
        "request": "Request",
        "identity": "Identity",
    },
    "es": {
        s.RELATIONSHIP: "Quién lo pide",
        s.REQUESTER_NAME: "Su nombre",
        s.STUDENT_NAME: "Estudiante",
        s.STUDENT_DOB: "Fecha de nacimiento",
        s.RECORDS_ACCESS: "Revisar o recibir copias",
        s.RECORD_TO_CORRECT: "Parte del expediente",
        s.CORRECTION_PROBLEM: "Qué está mal",
        s.CORRECTION_REASON: "Por qué",
        s.OPTOUT_SCOPE: "No compartir",
        s.OPTOUT_CATEGORIES: "Datos que no se comparten",
        s.CONSENT_ACTION: "Consentimiento",
        s.CONSENT_DETAILS: "Qué información y con quién",
        s.COMPLAINT_DETAILS: "Qué pasó",
        s.MISUSE_ANONYMOUS: "Sin dar su nombre",
        s.REPORTER_NAME: "Su nombre",
        s.MISUSE_DETAILS: "Qué pasó",
        "request": "Solicitud",
        "identity": "Identidad",
    },
}
VALUES: dict[str, dict[str, str]] = {
    "en": {
        "parent": "parent",
        "guardian": "legal guardian",
        "student": "the student (18 or older)",
        "inspect": "look at them at the school",
        "copies": "copies",
        "both": "look at them and get copies",
        "all": "all directory information",
        "military": "only with military recruiters",
        "some": "some categories",
        "give": "give consent",
        "withdraw": "withdraw consent",
        "yes": "yes",
        "no": "no",
        "verified": "verified with a code sent to the contact on file",
        "office": "not verified yet: the privacy office will confirm it another way",
        "office_eligible": "not verified: the student is 18 or older, so the privacy office will review whether the "
        "records may be shared with a parent (for example a tax dependant) and confirm who you are another way",
    },
    "es": {
        "parent": "madre o padre",
        "guardian": "tutor o tutora legal",
        "student": "estudiante de 18 años o más",
        "inspect": "revisarlo en la escuela",
        "copies": "copias",
        "both": "revisarlo en la escuela y recibir copias",
        "all": "no compartir nada de la información de directorio",
        "military": "no dársela a reclutadores militares",
        "some": "no compartir algunos datos",
        "give": "dar consentimiento",
        "withdraw": "retirar consentimiento",
        "yes": "sí",
        "no": "no",
        "verified": "verificada con un código enviado al teléfono o correo electrónico que tiene la escuela",
        "office": "sin verificar: la oficina de privacidad la confirmará de otra forma",
        "office_eligible": "sin verificar: el estudiante tiene 18 años o más, así que la oficina de privacidad "
        "revisará si el expediente se puede compartir con la madre o el padre (por ejemplo, si lo declaran como "
        "dependiente en sus impuestos) y confirmará quién es usted de otra forma",
    },
}
# The order answers are read back in (and offered for change).
SUMMARY_SLOTS = (
    s.RELATIONSHIP,
    s.REQUESTER_NAME,
    s.STUDENT_NAME,
    s.RECORDS_ACCESS,
    s.RECORD_TO_CORRECT,
    s.CORRECTION_PROBLEM,
    s.CORRECTION_REASON,
    s.OPTOUT_SCOPE,
    s.OPTOUT_CATEGORIES,
    s.CONSENT_ACTION,
    s.CONSENT_DETAILS,
    s.COMPLAINT_DETAILS,
    s.MISUSE_ANONYMOUS,
    s.REPORTER_NAME,
    s.MISUSE_DETAILS,
)


def _shown(slot: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return VALUES[lang]["yes" if value else "no"]
    if slot in _CHOICES:
        return VALUES[lang].get(str(value), str(value))
    return str(value)


def summary_lines(category_label: str, answers: Mapping[str, Any], asked: list[str], lang: str) -> list[str]:
    """``Label: value`` lines for the answers of the slots this request ``asked`` (and the request itself)."""
    lang = "es" if lang == "es" else "en"
    labels = LABELS[lang]
    lines = [f"{labels['request']}: {category_label}"]
    for slot in SUMMARY_SLOTS:
        value = answers.get(slot)
        if (
            slot in asked
            and value is not None
            and not (slot == s.REQUESTER_NAME and answers.get(s.RELATIONSHIP) == "student")
        ):
            lines.append(f"{labels[slot]}: {_shown(slot, value, lang)}")
    verification = answers.get(s.VERIFICATION_STATUS)
    if verification in ("verified", "office", "office_eligible"):
        lines.append(f"{labels['identity']}: {VALUES[lang][str(verification)]}")
    return lines


def change_label(slot: str, lang: str) -> str:
    """The button title for changing the answer to ``slot``."""
    return LABELS["es" if lang == "es" else "en"][slot]


# Words that say which answer a family wants to change ("change the date of birth").
_CHANGE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        s.STUDENT_DOB,
        ("birth", "born", "birthday", "dob", "date", "nacimiento", "nacio", "cumpleanos", "cumple", "fecha"),
    ),
    (
        s.STUDENT_NAME,
        (
            "student",
            "child",
            "kid",
            "kids",
            "son",
            "daughter",
            "grandson",
            "granddaughter",
            "estudiante",
            "hijo",
            "hija",
            "nino",
            "nina",
            "nieto",
            "nieta",
            "alumno",
            "alumna",
        ),
    ),
    (s.RELATIONSHIP, ("relationship", "who", "parentesco", "quien")),
    (s.REQUESTER_NAME, ("my", "mi")),
)


def slot_named_in(text: str) -> str | None:
    """The answer a typed "change ..." message names, if any."""
    words = set(re.findall(r"[a-z]+", fold(text or "")))
    return next((slot for slot, keywords in _CHANGE_WORDS if words & set(keywords)), None)
