"""The concurrency-limit methods of the client whose Prefect shape differs from the table's,
or that must drop this process's cache of limited tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from riverrun.client import _tag_limits

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI


class ConcurrencyClientMixin:
    """Tag-limit changes that make this process's task engine see them at once, and
    Prefect's ``upsert_global_concurrency_limit_by_name``."""

    _backend: StoreAPI

    def create_concurrency_limit(self, tag: str, concurrency_limit: int) -> str:
        """Create (or resize) the limit on task runs tagged ``tag``; its ID."""
        try:
            return self._backend.create_concurrency_limit(tag, concurrency_limit)
        finally:
            _tag_limits.invalidate()

    def delete_concurrency_limit_by_tag(self, tag: str) -> None:
        """Delete the limit on a tag; raises ``ObjectNotFound``."""
        try:
            self._backend.delete_concurrency_limit_by_tag(tag)
        finally:
            _tag_limits.invalidate()

    def upsert_global_concurrency_limit_by_name(
        self, name: str, limit: int, slot_decay_per_second: Optional[float] = None
    ) -> None:
        """Create the global limit, or change its size (and decay, if given)."""
        from riverrun.exceptions import ObjectNotFound
        from riverrun.schemas.actions import (
            GlobalConcurrencyLimitCreate,
            GlobalConcurrencyLimitUpdate,
        )

        try:
            self._backend.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            body: Union[GlobalConcurrencyLimitCreate, None] = GlobalConcurrencyLimitCreate(
                name=name, limit=limit, slot_decay_per_second=slot_decay_per_second or 0.0
            )
            assert body is not None
            self._backend.create_global_concurrency_limit(body)
            return
        update = GlobalConcurrencyLimitUpdate(
            limit=limit, slot_decay_per_second=slot_decay_per_second
        )
        self._backend.update_global_concurrency_limit(name, update)
