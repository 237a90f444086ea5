"""Composition root: settings, the CLI, the ASGI app assembly and the process launcher."""
