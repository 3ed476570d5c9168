"""``python -m qualcode`` runs the command line."""

from qualcode.cli.app import entry

entry()
