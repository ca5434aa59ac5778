"""Block interfaces: ``NotificationBlock`` and the errors notifications raise."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import Field

from riverrun.blocks.core import Block
from riverrun.exceptions import RiverrunException
from riverrun.utilities.asyncutils import async_dispatch


class NotificationError(RiverrunException, RuntimeError):
    """A notification could not be delivered (after its retries)."""

    def __init__(self, log: str) -> None:
        super().__init__(log)
        self.log = log


class NotificationTimeout(NotificationError, TimeoutError):
    """The receiving service did not answer within the block's ``timeout``."""


class NotificationHTTPError(NotificationError):
    """The receiving service answered with an error status."""

    def __init__(self, log: str, status_code: int, response_text: str) -> None:
        super().__init__(log)
        self.status_code = status_code
        self.response_text = response_text


class NotificationBlock(Block, ABC):
    """A block that can send a message: ``notify(body, subject=None)``, ``anotify(...)``.

    Every notification waits at most ``timeout`` seconds per attempt and retries connection
    errors and 5xx answers ``retries`` times with exponential backoff, then raises a
    ``NotificationError``; a 4xx answer is not retried.
    """

    _block_schema_capabilities: ClassVar[list[str] | None] = ["notify"]
    #: First delay between attempts, doubled after each; a class attribute so tests and
    #: subclasses can shorten it without adding a field to every stored block.
    _retry_backoff_seconds: ClassVar[float] = 0.5

    timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the service to answer, per attempt."
    )
    retries: int = Field(
        default=2, ge=0, le=10, description="Extra attempts after a connection error or 5xx."
    )

    @abstractmethod
    def notify(self, body: str, subject: str | None = None) -> None:
        """Send a notification.

        Args:
            body: The message.
            subject: An optional title, shown above the message where the service has one.

        Raises:
            NotificationError: not delivered after the last try (``NotificationTimeout`` if
                the service never answered, ``NotificationHTTPError`` for an error status).
        """

    async def anotify(self, body: str, subject: str | None = None) -> None:
        """Async twin of ``notify``, for async flows: the event loop keeps running."""
        await asyncio.to_thread(self.notify, body, subject, _sync=True)  # type: ignore[call-arg]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Each service's notify is awaitable in async code (``await block.notify(...)``),
        # as in Prefect; the class body stays a plain sync method.
        super().__pydantic_init_subclass__(**kwargs)
        own = cls.__dict__.get("notify")
        if own is not None and not isinstance(own, async_dispatch):
            cls.notify = async_dispatch("anotify")(own)  # type: ignore[method-assign, assignment]


__all__ = [
    "NotificationBlock",
    "NotificationError",
    "NotificationHTTPError",
    "NotificationTimeout",
]
