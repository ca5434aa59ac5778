"""Fixtures for the block tests: a real HTTP receiver and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class ReceivedRequest:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HTTPReceiver:
    """Records every request; answers 200 unless told otherwise with ``respond``."""

    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    _answers: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, status: int, text: str = "", times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` and ``text``."""
        with self._lock:
            self._answers.extend([(status, text)] * times)

    def _next_answer(self) -> tuple[int, str]:
        with self._lock:
            return self._answers.pop(0) if self._answers else (200, "ok")


def _handler(receiver: HTTPReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            receiver.requests.append(
                ReceivedRequest(self.command, self.path, dict(self.headers.items()), body)
            )
            status, text = receiver._next_answer()
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[HTTPReceiver]:
    """An HTTP server on 127.0.0.1 that records what it gets (method, headers, body)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    host, port = server.server_address[:2]
    recv = HTTPReceiver(url=f"http://{host}:{port}")
    server.RequestHandlerClass = _handler(recv)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield recv
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A URL whose server accepts connections but never answers (a hung service)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    host, port = sock.getsockname()
    yield f"http://{host}:{port}/hook"
    sock.close()


@pytest.fixture
def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/hook"


@dataclass
class SMTPReceiver:
    """What the local SMTP server got."""

    host: str
    port: int
    messages: list[Any] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[SMTPReceiver]:
    """An aiosmtpd server on 127.0.0.1 that records each message."""
    from aiosmtpd.controller import Controller

    recv = SMTPReceiver(host="127.0.0.1", port=0)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            recv.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    recv.port = port
    yield recv
    controller.stop()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry backoff of a few milliseconds, so retry tests stay fast."""
    from riverrun.blocks.abstract import NotificationBlock

    monkeypatch.setattr(NotificationBlock, "_retry_backoff_seconds", 0.01)
