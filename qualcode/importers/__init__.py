"""Readers that turn files into domain objects: pure, no database, no printing."""
