"""Repositories: one per aggregate, converting rows to core dataclasses."""
