"""Custom Rasa graph components (loaded by Rasa from .venv-rasa)."""
