"""``python -m bot.server.serve run …``: ``rasa run``, with the API token from the environment, never argv.

``rasa run --auth-token TOKEN`` shows the token to every local user in the process list (review F20). The
launcher starts this module instead, with ``RIGHTSDESK_RASA_TOKEN`` in the environment; it adds the token to
Rasa's arguments inside the process, where ``ps`` does not see it.
"""

from __future__ import annotations

import os
import sys

TOKEN_VARIABLE = "RIGHTSDESK_RASA_TOKEN"  # noqa: S105 - where the secret is, not the secret


def main() -> None:
    """Run ``rasa`` with this process's arguments and the token from the environment."""
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        sys.exit(f"{TOKEN_VARIABLE} is not set")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:], "--auth-token", token]
    rasa_main()


if __name__ == "__main__":
    main()
