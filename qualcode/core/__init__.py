"""Pure domain objects: no storage, no UI, no heavy libraries."""
