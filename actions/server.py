"""The action server as ``make run`` starts it: ``python -m actions.server --actions actions --port N``.

Exactly rasa-sdk's own entry point, after building the process's context first: the knowledge base trains its
topic classifier when it is built (a few seconds), and that belongs to start-up, not to the first family's question.
"""

from __future__ import annotations

from rasa_sdk.__main__ import main as rasa_sdk_main

from actions.context import get_context


def main() -> None:
    """Warm the context, then serve the actions."""
    get_context().knowledge.kb  # noqa: B018 - builds (or loads) the knowledge base now
    rasa_sdk_main()


if __name__ == "__main__":
    main()
