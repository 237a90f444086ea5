"""Actions that answer questions from the knowledge base: the short cited answer first, then the action that fits.

A question about a right or a process gets the short answer of the right article, with its source, and a button
for the request that goes with it ("Start a records request", "Opt out now"): the family decides, the assistant
does not start a form they did not ask for. A message that also asks for the request ("I want a copy of my son's
records — how long does it take?") gets the answer, then "Shall I start the request now?". The request comes from
the message router (``offer`` in the parse data's ``routing``: the request the family's words were about) or,
failing that, from the article's topic (:data:`TOPIC_OFFERS`).

When the knowledge base is unsure it offers at most three articles, the best first; when it has nothing reliable
about a question that is still about student data (a state's law, a breach, a vendor…) it offers the closest
articles and a person, never "I can't help". Only a message with nothing of the domain in it is out of scope.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import channel_of, get_context, language_of
from actions.slots import (
    ARTICLE_ID_ENTITY,
    LAST_ARTICLE,
    OFFER,
    OFFER_PENDING,
    OFFERED_REQUEST,
    REQUEST_CUE,
    REQUEST_FORM,
    ROUTING,
)
from core.messages import message
from knowledge.service import RenderedArticle

# The request each kind of offer starts (a button's payload is the request's intent).
OFFER_PAYLOADS = {
    "records": "/request_records",
    "correction": "/request_correction",
    "directory_optout": "/request_directory_optout",
    "consent": "/request_consent",
    "complaint": "/report_complaint",
    "misuse": "/report_misuse",
    "status": "/check_status",
}
# The request that goes with an article's topic, when the family's words did not name one.
TOPIC_OFFERS = {
    "ferpa_inspect_review": "records",
    "fees_copies": "records",
    "record_of_disclosures": "records",
    "idea_records": "records",
    "ferpa_amendment": "correction",
    "directory_info_opt_out": "directory_optout",
    "military_recruiters": "directory_optout",
    "consent_disclosure": "consent",
    "complaint_sppo": "complaint",
    "complaint_state": "complaint",
    "breach_notification": "misuse",
}
MENU_SIZE = 3
PERSON_PAYLOAD = "/human_handoff"
MORE_DETAIL_PAYLOAD = "/ask_more_detail"


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value") is not None:
            return str(entity["value"])
    return None


def response_text(domain: dict[str, Any], name: str, lang: str) -> str:
    """The text of the domain response ``name`` in ``lang`` (the variation conditioned on the language slot)."""
    variations = (domain.get("responses") or {}).get(name) or []
    fallback = ""
    for variation in variations:
        conditions = variation.get("condition") or []
        wanted = {c.get("value") for c in conditions if c.get("name") == "language"}
        if lang in wanted:
            return str(variation.get("text", ""))
        if not conditions:
            fallback = str(variation.get("text", ""))
    return fallback


def offer_button(domain: dict[str, Any], kind: str, lang: str) -> dict[str, str]:
    """The button that starts the request ``kind``."""
    return {"title": response_text(domain, f"utter_offer_{kind}", lang), "payload": OFFER_PAYLOADS[kind]}


def answer_buttons(domain: dict[str, Any], lang: str, offer: str | None) -> list[dict[str, str]]:
    """The request that fits (if any), more detail, a person."""
    buttons = [offer_button(domain, offer, lang)] if offer in OFFER_PAYLOADS else []
    buttons.append({"title": response_text(domain, "utter_button_more_detail", lang), "payload": MORE_DETAIL_PAYLOAD})
    buttons.append({"title": response_text(domain, "utter_button_person", lang), "payload": PERSON_PAYLOAD})
    return buttons


def article_choices(articles: list[RenderedArticle]) -> list[dict[str, str]]:
    """A menu of at most :data:`MENU_SIZE` articles, the best first."""
    return [
        {"title": a.title, "payload": "/ask_rights" + json.dumps({ARTICLE_ID_ENTITY: a.id})}
        for a in articles[:MENU_SIZE]
    ]


def utter_article(
    dispatcher: CollectingDispatcher,
    article: RenderedArticle,
    channel: str,
    buttons: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """The short answer with its source (and, by SMS, a link to the article page) and ``buttons``."""
    answer = article.short
    if channel == "sms":
        answer += "\n" + message("sms.more", article.lang, url=article.url)
    dispatcher.utter_message(
        response="utter_kb_answer",
        answer=answer,
        citation=article.sources[0]["citation"],
        buttons=buttons,
        json_message={"article": article.reference()},
    )
    return [SlotSet(LAST_ARTICLE, article.id)]


def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
    """Answer the latest message from the knowledge base (shared by every action that meets a question)."""
    context = get_context()
    lang = language_of(tracker)
    channel = channel_of(tracker)
    events: list[dict[str, Any]] = [SlotSet(OFFERED_REQUEST, None), SlotSet(OFFER_PENDING, False)]
    article_id = _entity(tracker, ARTICLE_ID_ENTITY)
    if article_id:
        chosen = context.knowledge.article(article_id, lang)
        if chosen:
            return events + utter_article(
                dispatcher, chosen, channel, answer_buttons(domain, lang, TOPIC_OFFERS.get(chosen.topic))
            )
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/"):
        dispatcher.utter_message(response="utter_kb_what_question")
        return events
    answer = context.knowledge.answer(text, lang)
    out_of_scope = (tracker.latest_message.get("intent") or {}).get("name") == "out_of_scope"
    # What the classifier put outside the domain comes back in only when it names something of student data.
    in_domain = answer.about_data if out_of_scope else answer.in_domain
    top = answer.articles[0] if answer.articles else None
    in_form = (tracker.active_loop or {}).get("name") == REQUEST_FORM
    # In the middle of a request the question is answered and the request goes on: nothing else is offered.
    routing = tracker.latest_message.get(ROUTING) or {}
    offer = None if in_form else routing.get(OFFER)
    wants_it_now = not in_form and routing.get(REQUEST_CUE) is not None
    if not in_form and offer not in OFFER_PAYLOADS and top is not None and answer.verdict == "confident":
        offer = TOPIC_OFFERS.get(top.topic)
    ask_to_start = wants_it_now and offer in OFFER_PAYLOADS
    if answer.verdict == "confident" and top is not None and in_domain:
        events += utter_article(dispatcher, top, channel, answer_buttons(domain, lang, None if ask_to_start else offer))
    elif answer.verdict == "ambiguous" and in_domain:
        dispatcher.utter_message(response="utter_kb_choose", buttons=article_choices(answer.articles))
    elif in_domain and answer.articles:
        person = {"title": response_text(domain, "utter_button_person", lang), "payload": PERSON_PAYLOAD}
        dispatcher.utter_message(response="utter_kb_closest", buttons=[*article_choices(answer.articles), person])
    elif ask_to_start:
        pass  # nothing to say about it: the family asked for the request, which is offered below
    else:
        dispatcher.utter_message(response="utter_out_of_scope" if out_of_scope else "utter_kb_none")
        return events
    if ask_to_start:
        dispatcher.utter_message(response="utter_offer_start")
        events += [SlotSet(OFFERED_REQUEST, offer), SlotSet(OFFER_PENDING, True)]
    return events


class ActionAnswerQuestion(Action):
    """Answer a question about rights or data use (see the module docstring)."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return answer_question(dispatcher, tracker, domain)


class ActionDeclineOffer(Action):
    """The family said no to starting the request just offered: nothing starts."""

    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet(OFFERED_REQUEST, None), SlotSet(OFFER_PENDING, False)]


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
            text = (tracker.latest_message.get("text") or "").strip()
            if len(text.split()) >= 3 and not text.startswith("/"):
                # "What exactly is GoGuardian?" reads like "tell me more", but there is nothing to expand yet.
                return answer_question(dispatcher, tracker, domain)
            dispatcher.utter_message(response="utter_kb_no_article_yet")
            return []
        detail = article.body.strip()
        if channel_of(tracker) == "sms":
            # An SMS reply stays short: the first paragraph, and the page for the rest.
            detail = detail.split("\n\n")[0]
        offer = TOPIC_OFFERS.get(article.topic)
        buttons = [offer_button(domain, offer, lang)] if offer else []
        buttons.append({"title": response_text(domain, "utter_button_person", lang), "payload": PERSON_PAYLOAD})
        dispatcher.utter_message(
            response="utter_kb_detail",
            detail=detail,
            citations="; ".join(s["citation"] for s in article.sources),
            url=article.url,
            buttons=buttons,
            json_message={"article": article.reference()},
        )
        return []
