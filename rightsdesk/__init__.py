"""Composition root: the CLI, the ASGI app assembly, the process launcher and the registry of every table.

It only composes and starts; nothing below it imports it (``tests/unit/test_import_direction.py``).
"""
