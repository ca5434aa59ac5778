"""Talk to the riverrun store or server: ``get_client()`` returns the async client.

``from riverrun.client import get_client`` works as the seed guide writes it.
"""

from __future__ import annotations

from typing import Any


def get_client(sync_client: bool = False, **kwargs: Any) -> Any:
    """Return the async client, or the sync one with ``sync_client=True``.

    See ``riverrun.client.orchestration.get_client``.
    """
    from riverrun.client.orchestration import get_client as _get_client

    return _get_client(sync_client=sync_client, **kwargs)


__all__ = ["get_client"]
