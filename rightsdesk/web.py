"""Server-rendered pages: one Jinja environment, the page language, and the strings every page shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from core.i18n import LANGUAGES, Language, as_language, other_language
from core.messages import messages_in

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(
    directory=[
        ROOT / "rightsdesk" / "templates",
        ROOT / "knowledge" / "templates",
        ROOT / "channels" / "webchat" / "templates",
        ROOT / "ticketing" / "console" / "templates",
        ROOT / "ticketing" / "family" / "templates",
    ]
)

# The strings every page shares (site name, navigation, footer): ``page.*`` in the message catalogue.
STRINGS: dict[str, dict[str, str]] = {lang: messages_in("page", lang) for lang in LANGUAGES}


def page_language(request: Request, explicit: str | None = None) -> Language:
    """``en`` or ``es``: the path or ``?lang=`` first, then the browser's preference."""
    choice = explicit or request.query_params.get("lang")
    if choice in LANGUAGES:
        return as_language(choice)
    accept = request.headers.get("accept-language", "").lower()
    return as_language("es" if accept.startswith("es") else "en")


def render_page(
    request: Request, template: str, lang: str, other_lang_url: str, status_code: int = 200, **context: Any
) -> Any:
    """Render ``template`` with the shared page context."""
    base = {
        "lang": lang,
        "other_lang": other_language(lang),
        "other_lang_url": other_lang_url,
        "t": STRINGS[lang],
        "district": request.app.state.knowledge.district,
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
