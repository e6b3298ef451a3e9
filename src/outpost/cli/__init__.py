"""The `outpost` command: thin commands, one module per noun, over the services layer."""

import importlib

from outpost.cli.app import app, main, register

# The modules whose commands `outpost --help` lists, in this order.
NOUNS = (
    "demo",
    "articles",
    "analysis",
    "events",
    "stories",
    "indicators",
    "rules",
    "alerts",
    "tokens",
    "people",
    "plans",
    "audit",
    "exports",
    "imports",
    "serve",
)
for _noun in NOUNS:
    register(importlib.import_module(f"outpost.cli.{_noun}"))

__all__ = ["app", "main"]
