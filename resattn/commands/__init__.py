"""CLI commands, one module each (discovered by `resattn.cli`)."""
