"""SMS-shaped replies (pure): plain text, the short answer first, a link for more, options as words to reply.

A turn's replies become one SMS of at most 1,600 characters (Twilio's limit for one message). Buttons become
"Reply YES or NO" (for ``/affirm`` and ``/deny``) or numbered options; the options are kept on the conversation
so that the family's "1" or "sí" is mapped back to the button's payload (:func:`resolve_reply`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from channels.rasa_client import BotMessage
from core.i18n import as_language, fold
from core.messages import message

SMS_LIMIT = 1600
YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "si", "s", "ok", "okay", "claro", "de acuerdo"})
NO_WORDS = frozenset({"no", "n", "nope"})
AFFIRM, DENY = "/affirm", "/deny"
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


@dataclass(frozen=True)
class SmsReply:
    """One SMS body and what a numeric or YES/NO answer to it means."""

    body: str
    options: dict[str, dict[str, str]] = field(default_factory=dict)


def plain_text(text: str) -> str:
    """``text`` without markdown, with at most one blank line in a row."""
    text = _MARKDOWN_LINK.sub(r"\1 (\2)", text or "")
    text = _EMPHASIS.sub("", text)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ""
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.\n") + "…"


def render_turn(messages: list[BotMessage], language: str) -> SmsReply:
    """One SMS for a turn's replies."""
    lang = as_language(language)
    texts = [t for t in (plain_text(m.text) for m in messages) if t]
    urls: list[str] = []
    for bot_message in messages:
        url = (bot_message.article or {}).get("url")
        if isinstance(url, str) and url and url not in urls:
            urls.append(url)
    buttons: list[dict[str, str]] = []
    for bot_message in messages:
        for button in bot_message.buttons:
            if button.get("payload") and all(b["payload"] != button["payload"] for b in buttons):
                buttons.append({"title": str(button.get("title", "")), "payload": str(button["payload"])})

    options: dict[str, dict[str, str]] = {}
    footer: list[str] = []
    payloads = {b["payload"] for b in buttons}
    yes_no = AFFIRM in payloads and DENY in payloads
    if yes_no:
        options["yes"] = next(b for b in buttons if b["payload"] == AFFIRM)
        options["no"] = next(b for b in buttons if b["payload"] == DENY)
        footer.append(message("sms.reply_yes_no", lang))
    others = [b for b in buttons if not yes_no or b["payload"] not in (AFFIRM, DENY)]
    if others:
        footer.append(message("sms.or_reply_number" if yes_no else "sms.reply_number", lang))
        for number, button in enumerate(others, 1):
            footer.append(f"{number} {button['title']}")
            options[str(number)] = button

    main = "\n\n".join(texts)

    def tail_for(text: str) -> str:
        links = [message("sms.more", lang, url=u) for u in urls if u not in text]
        parts = ["\n".join(links)] if links else []
        if footer:
            parts.append("\n".join(footer))
        return "\n\n".join(parts)

    tail = tail_for(main)
    if len(main) + len(tail) + 2 > SMS_LIMIT:
        # Keep the links and the options; shorten the answer (its link says where the rest is).
        tail = tail_for("")
        main = _shorten(main, SMS_LIMIT - len(tail) - 2)
        tail = tail_for(main)
    body = "\n\n".join(p for p in (main, tail) if p)
    return SmsReply(body=body[:SMS_LIMIT], options=options)


def normalize_word(text: str) -> str:
    """A one-word reply folded for comparison: lower case, no accents, no surrounding punctuation or spaces."""
    folded = fold(text).strip()
    folded = re.sub(r"\s+", " ", folded)
    return folded.strip(" .!?¡¿,;:\"'()")


def resolve_reply(text: str, options: dict[str, Any] | None) -> tuple[str, str] | None:
    """The (payload, title) a numeric or YES/NO reply stands for, given the options of the last SMS."""
    if not options:
        return None
    word = normalize_word(text)
    key = word if word in options and word not in ("yes", "no") else None
    if key is None and word in YES_WORDS and "yes" in options:
        key = "yes"
    if key is None and word in NO_WORDS and "no" in options:
        key = "no"
    if key is None:
        return None
    chosen = options[key]
    return str(chosen["payload"]), str(chosen.get("title") or word)


def split_for_sms(text: str, limit: int = SMS_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut between words."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts
