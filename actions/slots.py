"""Slot, entity and metadata names shared with ``bot/domain``."""

LANGUAGE = "language"
LAST_ARTICLE = "last_article"
REQUEST_CATEGORY = "request_category"
REQUEST_CONFIRMED = "request_confirmed"
ARTICLE_ID_ENTITY = "article_id"
CHANNEL_METADATA = "channel"
