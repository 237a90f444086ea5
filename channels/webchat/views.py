"""``GET /``: the web chat page (all assets served by the gateway).

The page carries its strings in both languages: the conversation's language (what the family writes decides it;
the English/Español toggle is the only explicit choice) sets every word around the answers, whatever language the
browser asked for. The browser's language is only the page's default before the first message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from core.pages import STRINGS, add_templates, page_language, render_page

router = APIRouter(tags=["pages"])
add_templates(Path(__file__).parent / "templates")

TEXT = {
    "en": {
        "title": "Ask about your child's data",
        "privacy": "Before you start: this is an automated assistant, not a lawyer. We keep this conversation "
        "for {days} days, without dates of birth, codes, ID numbers or phone numbers, and only the district's "
        "privacy office sees the requests you open. Do not type your child's records or passwords here.",
        "label": "Your message",
        "send": "Send",
        "person": "Talk to a person",
        "typing": "The assistant is writing…",
        "log": "Conversation",
        "sources": "Sources",
        "read_more": "Read the full answer",
        "error": "The message could not be sent. Check your connection and try again.",
        "restart": "This conversation has ended. A new one has started.",
        "language": "Language",
        "hint": "Press Enter to send, Shift+Enter for a new line.",
        "you": "You",
        "assistant": "Assistant",
        "office": "Privacy office",
        "new_tab": "(opens in a new tab)",
        "starters": "Common questions",
        "end": "End conversation",
        "ended": "The conversation has ended and is no longer shown here. Anyone using this device next starts afresh.",
    },
    "es": {
        "title": "Pregunte sobre los datos de su hijo o hija",
        "privacy": "Antes de empezar: este es un asistente automático, no un abogado. Guardamos esta conversación "
        "durante {days} días, sin fechas de nacimiento, códigos, números de identificación ni números de teléfono. "
        "Solo la oficina de privacidad del distrito ve las solicitudes que usted haga. No escriba aquí contraseñas "
        "ni información del expediente de su hijo o hija.",
        "label": "Su mensaje",
        "send": "Enviar",
        "person": "Hablar con una persona",
        "typing": "El asistente está escribiendo…",
        "log": "Conversación",
        "sources": "Fuentes",
        "read_more": "Leer la respuesta completa",
        "error": "No se pudo enviar el mensaje. Revise su conexión e intente de nuevo.",
        "restart": "Esta conversación terminó. Ya empezamos una nueva.",
        "language": "Idioma",
        "hint": "Presione Enter para enviar. Para cambiar de línea, presione Shift + Enter.",
        "you": "Usted",
        "assistant": "Asistente",
        "office": "Oficina de privacidad",
        "new_tab": "(se abre en una pestaña nueva)",
        "starters": "Preguntas frecuentes",
        "end": "Terminar conversación",
        "ended": "La conversación terminó y ya no se muestra aquí. Quien use este dispositivo después empieza de "
        "nuevo.",
    },
}


# Ways to start, as the family would type them (sent as ordinary messages, so the assistant answers as usual).
STARTERS = {
    "en": [
        "Who can see my child's school records?",
        "I want to see my child's records",
        "How do I opt out of directory information?",
        "I want to report a problem with my child's data",
    ],
    "es": [
        "¿Quién puede ver el expediente escolar de mi hijo?",
        "Quiero ver el expediente de mi hijo",
        "¿Cómo pido que no compartan la información de directorio de mi hijo?",
        "Quiero reportar un problema con los datos de mi hijo",
    ],
}


@router.get("/")
async def chat_page(request: Request) -> Any:
    """The chat page in the family's language."""
    lang = page_language(request)
    other = "es" if lang == "en" else "en"
    days = request.app.state.knowledge.district.retention.conversation_days
    chrome = {
        code: {
            **{k: v.format(days=days) for k, v in TEXT[code].items()},
            "starter_questions": STARTERS[code],
            "site": STRINGS[code],
        }
        for code in TEXT
    }
    return render_page(
        request,
        "chat.html",
        lang,
        f"/?lang={other}",
        nav="chat",
        x=chrome[lang],
        starters=STARTERS[lang],
        chrome=chrome,
        # The toggle (?lang=) is the family's explicit choice; the browser's language is only the page's default.
        chosen=request.query_params.get("lang") in TEXT,
    )
