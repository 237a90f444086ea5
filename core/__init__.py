"""The kernel every package stands on: database, settings, keys, contacts, pages and request dependencies.

It imports no other package of the project (``tests/unit/test_import_direction.py``). Every process starts with
:func:`bootstrap` (``core.kernel``).
"""

from core.kernel import Kernel, bootstrap

__all__ = ["Kernel", "bootstrap"]
