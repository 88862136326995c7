"""One module per ``maillage`` subcommand; each exposes ``register(subparsers)``."""
