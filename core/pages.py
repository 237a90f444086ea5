"""Server-rendered pages: one Jinja environment, the page language, and the strings every page shares.

The environment starts with the kernel's own templates (``base.html``, the site layout); every package that
renders pages adds its own template directory with :func:`add_templates` when its views module is imported, so
this module names no other package. A name is looked up in the directories in the order they were added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader

templates = Jinja2Templates(directory=[Path(__file__).resolve().parent / "templates"])


def add_templates(directory: Path) -> None:
    """Let pages use the templates in ``directory`` (adding the same directory twice changes nothing)."""
    loader = templates.env.loader
    if not isinstance(loader, FileSystemLoader):
        raise TypeError("the page environment must load from the file system")
    path = str(directory.resolve())
    if path not in loader.searchpath:
        loader.searchpath.append(path)


STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "site_name": "Family Data Rights Desk",
        "skip": "Skip to content",
        "nav_label": "Main",
        "nav_chat": "Ask a question",
        "nav_rights": "Your rights",
        "nav_transparency": "How we use data",
        "other_language": "Español",
        "footer": "An automated assistant gives general information, not legal advice. You can always ask to talk "
        "to a person in the district's privacy office.",
    },
    "es": {
        "site_name": "Servicio de Derechos sobre los Datos Familiares",
        "skip": "Ir al contenido",
        "nav_label": "Principal",
        "nav_chat": "Hacer una pregunta",
        "nav_rights": "Sus derechos",
        "nav_transparency": "Cómo usamos los datos",
        "other_language": "English",
        "footer": "Un asistente automático da información general, no asesoría legal. Siempre puede pedir hablar "
        "con una persona de la oficina de privacidad del distrito.",
    },
}


def page_language(request: Request, explicit: str | None = None) -> str:
    """``en`` or ``es``: the path or ``?lang=`` first, then the browser's preference."""
    choice = explicit or request.query_params.get("lang")
    if choice in ("en", "es"):
        return choice
    accept = request.headers.get("accept-language", "").lower()
    return "es" if accept.startswith("es") else "en"


def render_page(
    request: Request, template: str, lang: str, other_lang_url: str, status_code: int = 200, **context: Any
) -> Any:
    """Render ``template`` with the shared page context."""
    base = {
        "lang": lang,
        "other_lang": "es" if lang == "en" else "en",
        "other_lang_url": other_lang_url,
        "t": STRINGS[lang],
        "district": request.app.state.knowledge.district,
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
