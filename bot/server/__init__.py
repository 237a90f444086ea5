"""How the stack runs Rasa (in ``.venv-rasa``): its REST channel behind a shared secret, its token never in argv."""
