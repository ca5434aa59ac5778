"""Block types, schemas and documents in the store (filled in by the blocks work)."""

from __future__ import annotations


class BlockStoreMixin:
    """Block persistence methods mixed into ``Store``."""
