"""Refuse requests from a client that speaks another version of the API (a plain ASGI
middleware, like the body-size limit), and tell every client which version this server is."""

from __future__ import annotations

import json
from typing import Any

from riverrun._api.version import (
    API_VERSION,
    API_VERSION_HEADER,
    RIVERRUN_VERSION_HEADER,
    mismatch_message,
    package_version,
)

Scope = dict[str, Any]
_REQUEST_API = API_VERSION_HEADER.lower().encode()
_REQUEST_VERSION = RIVERRUN_VERSION_HEADER.lower().encode()


class ApiVersionCheck:
    """Answers 400 naming both versions when a request's API version is not this server's."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.version = package_version()
        self.headers = [(_REQUEST_API, API_VERSION.encode()),
                        (_REQUEST_VERSION, self.version.encode())]  # fmt: skip

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        theirs = headers.get(_REQUEST_API)
        if theirs is not None and theirs.decode(errors="replace") != API_VERSION:
            their_version = headers.get(_REQUEST_VERSION, b"unknown").decode(errors="replace")
            server = f"{scope.get('scheme', 'http')}://{headers.get(b'host', b'?').decode()}"
            detail = mismatch_message(theirs.decode(errors="replace"), their_version,
                                      API_VERSION, self.version, server)  # fmt: skip
            body = json.dumps({"detail": detail}).encode()
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"), *self.headers]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_version(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_version)
