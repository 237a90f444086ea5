"""``GET /``: the web chat page (all assets served by the gateway).

The page carries its strings in both languages: the conversation's language (what the family writes decides it;
the English/Español toggle is the only explicit choice) sets every word around the answers, whatever language the
browser asked for. The browser's language is only the page's default before the first message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from core.i18n import LANGUAGES, other_language
from core.messages import message_list, messages_in
from core.pages import STRINGS, add_templates, page_language, render_page

router = APIRouter(tags=["pages"])
add_templates(Path(__file__).parent / "templates")


@router.get("/")
async def chat_page(request: Request) -> Any:
    """The chat page in the family's language."""
    lang = page_language(request)
    other = other_language(lang)
    days = request.app.state.knowledge.district.retention.conversation_days
    chrome = {
        code: {
            **{k: v.format(days=days) for k, v in messages_in("chat_page", code).items() if isinstance(v, str)},
            "starter_questions": message_list("chat_page.starter_questions", code),
            "site": STRINGS[code],
        }
        for code in LANGUAGES
    }
    return render_page(
        request,
        "chat.html",
        lang,
        f"/?lang={other}",
        nav="chat",
        x=chrome[lang],
        starters=chrome[lang]["starter_questions"],
        chrome=chrome,
        # The toggle (?lang=) is the family's explicit choice; the browser's language is only the page's default.
        chosen=request.query_params.get("lang") in LANGUAGES,
    )
