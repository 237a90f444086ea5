"""Public pages (principles 7 and 10d): ``/rights`` (the knowledge base) and ``/transparency`` (district rules).

Per language, each article at a stable URL ``/rights/<lang>/<id>``; semantic HTML, no outside assets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from core.pages import add_templates, page_language, render_page
from knowledge.deps import get_knowledge
from knowledge.service import KnowledgeService
from ticketing.family.messages import MONTHS
from ticketing.tickets.enums import CATEGORY_LABELS

router = APIRouter(tags=["pages"])
add_templates(Path(__file__).parent / "templates")

TEXT = {
    "en": {
        "rights_title": "Your rights over your child's data",
        "rights_intro": "Short, sourced answers about student records and privacy. Each answer names the law or "
        "guidance it comes from.",
        "search_label": "Search the answers",
        "search_button": "Search",
        "results_for": "Results for",
        "no_results": "No answer matched. Try other words, or ask a person through the chat.",
        "all_answers": "All answers",
        "full_answer": "The full answer",
        "sources": "Sources",
        "reviewed": "Checked against its sources on",
        "reviewed_by": "· reviewer:",
        "related": "Related",
        "ask": "Ask the assistant or a person",
        "not_found": "That answer was not found.",
        "jurisdiction": {"federal": "Federal law", "state": "State law", "district": "This district"},
        "transparency_title": "How this district uses and protects student data",
    },
    "es": {
        "rights_title": "Sus derechos sobre los datos de su hijo o hija",
        "rights_intro": "Respuestas breves y con fuentes sobre el expediente escolar y la privacidad. Cada "
        "respuesta indica la ley o la guía de la que proviene.",
        "search_label": "Buscar en las respuestas",
        "search_button": "Buscar",
        "results_for": "Resultados para",
        "no_results": "Ninguna respuesta coincide. Pruebe con otras palabras o pregunte a una persona en el chat.",
        "all_answers": "Todas las respuestas",
        "full_answer": "La respuesta completa",
        "sources": "Fuentes",
        "reviewed": "Revisado frente a las fuentes de esta respuesta el",
        "reviewed_by": "· revisión:",
        "related": "Temas relacionados",
        "ask": "Preguntar al asistente o a una persona",
        "not_found": "No se encontró esa respuesta.",
        "jurisdiction": {"federal": "Ley federal", "state": "Ley estatal", "district": "Este distrito"},
        "transparency_title": "Cómo este distrito usa y protege los datos estudiantiles",
    },
}


def day_in_words(iso_day: str, lang: str) -> str:
    """``November 28, 2026`` / ``28 de noviembre de 2026``: an ISO date is unfamiliar to families (review E69)."""
    day = date.fromisoformat(iso_day)
    month = MONTHS["es" if lang == "es" else "en"][day.month - 1]
    return f"{day.day} de {month} de {day.year}" if lang == "es" else f"{month} {day.day}, {day.year}"


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
    if lang not in TEXT:
        return RedirectResponse(f"/rights/{page_language(request)}", status_code=307)
    results = None
    if q.strip():
        results = [knowledge.render(hit.article) for hit in knowledge.kb.search(q, lang, limit=8).hits]
    articles = [knowledge.render(a) for a in knowledge.kb.in_language(lang)]
    other = "es" if lang == "en" else "en"
    return render_page(
        request,
        "rights_index.html",
        lang,
        f"/rights/{other}",
        nav="rights",
        x=TEXT[lang],
        q=q,
        results=results,
        articles=articles,
    )


@router.get("/rights/{lang}/{article_id}")
def rights_article(
    request: Request, lang: str, article_id: str, knowledge: KnowledgeService = Depends(get_knowledge)
) -> Any:
    """One article at its stable URL."""
    if lang not in TEXT:
        return RedirectResponse(f"/rights/en/{article_id}", status_code=307)
    article = knowledge.article(article_id, lang)
    other = "es" if lang == "en" else "en"
    if article is None:
        return render_page(
            request,
            "rights_missing.html",
            lang,
            f"/rights/{other}",
            status_code=404,
            nav="rights",
            x=TEXT[lang],
        )
    related = [r for r in (knowledge.article(rid, lang) for rid in article.related) if r]
    return render_page(
        request,
        "rights_article.html",
        lang,
        f"/rights/{other}/{article_id}",
        nav="rights",
        x=TEXT[lang],
        article=article,
        reviewed_on=day_in_words(article.reviewed_on, lang),
        blocks=paragraphs(article.body),
        related=related,
    )


@router.get("/transparency")
def transparency(request: Request, knowledge: KnowledgeService = Depends(get_knowledge)) -> Any:
    """The district's public rules: contacts, governance, vendors, retention, breach policy, directory info."""
    lang = page_language(request)
    other = "es" if lang == "en" else "en"
    return render_page(
        request,
        "transparency.html",
        lang,
        f"/transparency?lang={other}",
        nav="transparency",
        x=TEXT[lang],
        d=knowledge.district,
        officer=knowledge.district.contacts.district_privacy_officer,
        records_deadline=knowledge.district.records_deadline(),
        # The contacts table's request types in the page's words (review E72: raw English keys on the Spanish page).
        categories={category.value: label for category, label in CATEGORY_LABELS[lang].items()},
    )
