"""Actions that answer questions from the knowledge base: short answer first, detail on request."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import channel_of, get_context, language_of
from actions.slots import ARTICLE_ID_ENTITY, LAST_ARTICLE
from knowledge.service import RenderedArticle

SMS_MORE = {"en": "More: {url}", "es": "Más: {url}"}


def _payload_entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def utter_article(dispatcher: CollectingDispatcher, article: RenderedArticle, channel: str) -> list[dict[str, Any]]:
    """The short answer with its source (and, by SMS, a link to the article page)."""
    answer = article.short
    if channel == "sms":
        answer += "\n" + SMS_MORE[article.lang].format(url=article.url)
    dispatcher.utter_message(
        response="utter_kb_answer",
        answer=answer,
        citation=article.sources[0]["citation"],
        json_message={"article": article.reference()},
    )
    return [SlotSet(LAST_ARTICLE, article.id)]


class ActionAnswerQuestion(Action):
    """Answer a question about rights or data use: confident, ambiguous (choose) or nothing (offer a person)."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        context = get_context()
        lang = language_of(tracker)
        channel = channel_of(tracker)
        article_id = _payload_entity(tracker, ARTICLE_ID_ENTITY)
        if article_id:
            chosen = context.knowledge.article(article_id, lang)
            if chosen:
                return utter_article(dispatcher, chosen, channel)
        text = (tracker.latest_message.get("text") or "").strip()
        if not text or text.startswith("/"):
            dispatcher.utter_message(response="utter_kb_what_question")
            return []
        answer = context.knowledge.answer(text, lang)
        if answer.verdict == "confident":
            return utter_article(dispatcher, answer.articles[0], channel)
        if answer.verdict == "ambiguous":
            buttons = [
                {"title": a.title, "payload": "/ask_rights" + json.dumps({ARTICLE_ID_ENTITY: a.id})}
                for a in answer.articles[:3]
            ]
            dispatcher.utter_message(response="utter_kb_choose", buttons=buttons)
            return []
        dispatcher.utter_message(response="utter_kb_none")
        return []


class ActionArticleDetail(Action):
    """The full answer of the article last shown, with every source and its page."""

    def name(self) -> str:
        return "action_article_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language_of(tracker)
        article_id = tracker.get_slot(LAST_ARTICLE)
        article = get_context().knowledge.article(str(article_id), lang) if article_id else None
        if article is None:
            dispatcher.utter_message(response="utter_kb_no_article_yet")
            return []
        detail = article.body.strip()
        if channel_of(tracker) == "sms":
            # An SMS reply stays short: the first paragraph, and the page for the rest.
            detail = detail.split("\n\n")[0]
        dispatcher.utter_message(
            response="utter_kb_detail",
            detail=detail,
            citations="; ".join(s["citation"] for s in article.sources),
            url=article.url,
            json_message={"article": article.reference()},
        )
        return []
