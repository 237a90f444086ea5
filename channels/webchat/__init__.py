"""The web chat: the JSON API of the chat contract and the page that uses it."""
