"""The public edge: web chat, SMS, language, the conversation with Rasa, human handoff."""
