"""Analyses over domain objects; heavy libraries are imported lazily inside them."""
