"""The family's use cases: what happens when a family asks the desk for something (see :mod:`flows.family`).

A top-level package rather than a folder inside one domain, because each use case spans several of them: opening
a request reads identity verification and the roster (``identity``) and opens a ticket (``ticketing``); listing
requests reads both too. Placed in ``ticketing/`` it would make one domain import another; here it is the one
layer both edges call — the gateway (``channels/``) and the Rasa actions (``actions/``) — so a behaviour cannot
differ with the way a family reached it. Imports run edges → ``flows`` → domains → kernel.

- :mod:`flows.family` — the use cases, one function each, taking ``db_session`` (never committing);
- :mod:`flows.transaction` — :func:`~flows.transaction.in_one_transaction`, how a caller that holds no
  transaction (an action) runs one use case in exactly one.
"""
