"""Screens and dialogs of the workbench, one per module."""
