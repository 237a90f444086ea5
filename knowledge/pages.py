"""Public pages (principles 7 and 10d): ``/rights`` (the knowledge base) and ``/transparency`` (district rules).

Per language, each article at a stable URL ``/rights/<lang>/<id>``; semantic HTML, no outside assets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from core.i18n import LANGUAGES, day_in_words, other_language
from core.messages import message, messages_in
from core.pages import add_templates, page_language, render_page
from knowledge.deps import get_knowledge
from knowledge.service import KnowledgeService

router = APIRouter(tags=["pages"])
add_templates(Path(__file__).parent / "templates")


def paragraphs(body: str) -> list[dict[str, Any]]:
    """Split an article body into paragraphs and bullet lists for the template."""
    blocks: list[dict[str, Any]] = []
    for chunk in body.strip().split("\n\n"):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append({"list": [line[2:] for line in lines]})
        elif lines:
            lead = [line for line in lines if not line.startswith("- ")]
            items = [line[2:] for line in lines if line.startswith("- ")]
            blocks.append({"text": " ".join(lead)})
            if items:
                blocks.append({"list": items})
    return blocks


@router.get("/rights", include_in_schema=False)
async def rights_root(request: Request) -> RedirectResponse:
    """The knowledge base in the browser's language."""
    return RedirectResponse(f"/rights/{page_language(request)}", status_code=307)


@router.get("/rights/{lang}")
def rights_index(
    request: Request,
    lang: str,
    q: str = Query("", max_length=300),
    knowledge: KnowledgeService = Depends(get_knowledge),
) -> Any:
    """Every article, or the search results for ``q``."""
    if lang not in LANGUAGES:
        return RedirectResponse(f"/rights/{page_language(request)}", status_code=307)
    results = None
    if q.strip():
        results = [knowledge.render(hit.article) for hit in knowledge.kb.search(q, lang, limit=8).hits]
    articles = [knowledge.render(a) for a in knowledge.kb.in_language(lang)]
    other = other_language(lang)
    return render_page(
        request,
        "rights_index.html",
        lang,
        f"/rights/{other}",
        nav="rights",
        x=messages_in("rights_pages", lang),
        q=q,
        results=results,
        articles=articles,
    )


@router.get("/rights/{lang}/{article_id}")
def rights_article(
    request: Request, lang: str, article_id: str, knowledge: KnowledgeService = Depends(get_knowledge)
) -> Any:
    """One article at its stable URL."""
    if lang not in LANGUAGES:
        return RedirectResponse(f"/rights/en/{article_id}", status_code=307)
    article = knowledge.article(article_id, lang)
    other = other_language(lang)
    if article is None:
        return render_page(
            request,
            "rights_missing.html",
            lang,
            f"/rights/{other}",
            status_code=404,
            nav="rights",
            x=messages_in("rights_pages", lang),
        )
    related = [r for r in (knowledge.article(rid, lang) for rid in article.related) if r]
    return render_page(
        request,
        "rights_article.html",
        lang,
        f"/rights/{other}/{article_id}",
        nav="rights",
        x=messages_in("rights_pages", lang),
        article=article,
        reviewed_on=day_in_words(date.fromisoformat(article.reviewed_on), lang),
        blocks=paragraphs(article.body),
        related=related,
    )


@router.get("/transparency")
def transparency(request: Request, knowledge: KnowledgeService = Depends(get_knowledge)) -> Any:
    """The district's public rules: contacts, governance, vendors, retention, breach policy, directory info."""
    lang = page_language(request)
    other = other_language(lang)
    deadline = knowledge.district.records_deadline()
    return render_page(
        request,
        "transparency.html",
        lang,
        f"/transparency?lang={other}",
        nav="transparency",
        x=messages_in("rights_pages", lang),
        d=knowledge.district,
        officer=knowledge.district.contacts.district_privacy_officer,
        tp=messages_in("transparency", lang),
        records_deadline=deadline,
        records_days=message(
            "article_values.business_days" if deadline.business_days else "article_values.calendar_days",
            lang,
            days=deadline.days,
        ),
        # The contacts table's request types in the page's words (review E72: raw English keys on the Spanish page).
        categories=messages_in("ticket_category", lang),
    )
