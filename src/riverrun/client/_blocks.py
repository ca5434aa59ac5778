"""Block methods of the client (filled in by the blocks work)."""

from __future__ import annotations


class BlockClientMixin:
    """Block methods mixed into the sync client (the async client derives from it)."""
