"""``python -m qualcode`` runs the command line, as the ``qualcode`` script does."""

from qualcode.cli.launch import entry

entry()
