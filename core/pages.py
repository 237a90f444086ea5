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

from core.i18n import LANGUAGES, Language, as_language, other_language
from core.messages import messages_in

templates = Jinja2Templates(directory=[Path(__file__).resolve().parent / "templates"])


def add_templates(directory: Path) -> None:
    """Let pages use the templates in ``directory`` (adding the same directory twice changes nothing)."""
    loader = templates.env.loader
    if not isinstance(loader, FileSystemLoader):
        raise TypeError("the page environment must load from the file system")
    path = str(directory.resolve())
    if path not in loader.searchpath:
        loader.searchpath.append(path)


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
