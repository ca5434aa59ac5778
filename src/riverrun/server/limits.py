"""Request body size limit, as plain ASGI middleware so an oversized body is never buffered."""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


class BodySizeLimit:
    """Answer 413 to requests whose body exceeds ``max_bytes``.

    The declared ``Content-Length`` is checked before anything is read; a chunked body is
    counted as it arrives and cut off at the limit.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self, size: str) -> bytes:
        limit = self.max_bytes
        human = f"{limit} bytes"
        if limit >= 1024 * 1024:
            human = f"{limit / 1024 / 1024:g} MiB ({human})"
        detail = (f"Request body {size} exceeds the server's limit of {human}. Send smaller "
                  "batches, or raise the limit (RIVERRUN_SERVER_MAX_BODY_BYTES, or "
                  "`riverrun server start --max-body-size`).")  # fmt: skip
        # ``limit`` lets a client size its batches to fit (the remote recorder does).
        return json.dumps({"detail": detail, "limit": limit}).encode()

    async def _reject(self, send: Any, size: str) -> None:
        body = self._message(size)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reject(send, f"of {declared} bytes")
                    return
                break
        received = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body was cut off, whatever the app says about the stub is dropped.
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            await self._reject(send, "of more than that")
