"""Subcommands of ``annotate``, one module per area; each exposes ``register(app)``."""
