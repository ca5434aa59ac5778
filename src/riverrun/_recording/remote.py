"""The remote sink: event batches POSTed to a riverrun server, spooled while it is away.

A flow never fails because the server is unreachable: a batch that cannot be delivered
goes to the spool (``$RIVERRUN_HOME/spool``) and is delivered later — by a background
thread as soon as the server answers again, by the next run, or by
``riverrun spool flush`` — in order and idempotently. One warning says what is happening.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from riverrun._recording.spool import Spool
from riverrun.schemas.encoding import dumps

_CONNECT_TIMEOUT = 2.0
_READ_TIMEOUT = 15.0
_MAX_BACKOFF = 10.0
_DOWN_WINDOW = 5.0
_JSON = {"Content-Type": "application/json"}


class DeliveryError(Exception):
    """The server could not take a batch now (unreachable, 5xx): retry later."""


class RejectedBatch(Exception):
    """The server refused a batch (4xx): retrying will not help."""


class EventPoster:
    """POSTs event batches to ``{api_url}/events``."""

    def __init__(self, api_url: str, api_key: str | None) -> None:
        self.url = api_url.rstrip("/") + "/events"
        self.api_key = api_key
        self._client: Any = None
        self._lock = threading.Lock()

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.Client(
                headers=headers,
                timeout=httpx.Timeout(_READ_TIMEOUT, connect=_CONNECT_TIMEOUT),
            )
        return self._client

    def close(self) -> None:
        """Close the HTTP connection pool."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __call__(self, events: list[dict[str, Any]]) -> None:
        import httpx

        body = dumps({"events": events}).encode()
        with self._lock:
            try:
                response = self._http().post(self.url, content=body, headers=_JSON)
            except httpx.HTTPError as exc:
                raise DeliveryError(f"{self.url} is unreachable ({type(exc).__name__}: {exc})") from None
        if response.status_code >= 500:
            raise DeliveryError(f"{self.url} answered {response.status_code}")
        if response.status_code >= 400:
            raise RejectedBatch(
                f"{self.url} refused {len(events)} event(s) with {response.status_code}: "
                f"{response.text[:500]}"
            )


class RemoteSink:
    """The recorder's sink in remote mode: deliver now, or spool and deliver later."""

    def __init__(self, poster: EventPoster, spool: Spool) -> None:
        self.poster = poster
        self.spool = spool
        self._retry_thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._warned = False
        self._lock = threading.Lock()
        self._down_until = 0.0
        if spool.pending():
            self._start_retrying()

    def __call__(self, events: list[dict[str, Any]]) -> None:
        if self.spool.pending():
            # Older batches are waiting: keep the order by queueing behind them.
            self.spool.append(events)
            if time.monotonic() >= self._down_until:
                self._deliver_spool()
            return
        try:
            self.poster(events)
        except DeliveryError as exc:
            self.spool.append(events)
            self._server_down(str(exc))

    def close(self) -> None:
        """Release the connection to the server (the spool stays on disk)."""
        self.poster.close()

    def _send_or_set_aside(self, events: list[dict[str, Any]]) -> None:
        try:
            self.poster(events)
        except RejectedBatch as exc:
            # The server will never take this batch; keep it for inspection, move on.
            self.spool.set_aside(events)
            print(f"riverrun: WARNING: {exc}. The batch is kept in {self.spool.rejected_directory}.", file=sys.stderr)

    def _deliver_spool(self) -> bool:
        # Blocking: if the retry thread (or another process) is delivering, wait for it
        # rather than leave batches behind when this process is about to exit.
        try:
            _, waiting = self.spool.deliver(self._send_or_set_aside, blocking=True)
        except DeliveryError as exc:
            self._server_down(str(exc))
            return False
        if waiting:
            self._start_retrying()
        return waiting == 0

    def _server_down(self, reason: str) -> None:
        # For a while, new batches only queue up: a server that hangs must not cost every
        # batch a full timeout. The retry thread keeps trying in the background.
        self._down_until = time.monotonic() + _DOWN_WINDOW
        self._warn(reason)
        self._start_retrying()

    def _warn(self, reason: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        print(
            f"riverrun: WARNING: the riverrun server is not answering ({reason}). Runs keep "
            f"going; their events are kept in {self.spool.directory} and delivered when it "
            "answers again (or run `riverrun spool flush`).",
            file=sys.stderr,
        )

    def _start_retrying(self) -> None:
        with self._lock:
            if self._retry_thread is not None and self._retry_thread.is_alive():
                self._wake.set()
                return
            self._retry_thread = threading.Thread(
                target=self._retry_loop, name="riverrun-spool", daemon=True
            )
            self._retry_thread.start()

    def _retry_loop(self) -> None:
        delay = 0.25
        while self.spool.pending():
            try:
                _, waiting = self.spool.deliver(self._send_or_set_aside)
            except DeliveryError:
                waiting = 1
            if not waiting:
                self._down_until = 0.0
                break
            self._wake.wait(delay)
            self._wake.clear()
            delay = min(delay * 2, _MAX_BACKOFF)
        with self._lock:
            if self._warned and not self.spool.pending():
                self._warned = False
                print("riverrun: the riverrun server answers again; spooled events delivered.", file=sys.stderr)


def remote_sink(settings: Any) -> RemoteSink:
    """The sink for the current settings' server, spooling under ``$RIVERRUN_HOME/spool``."""
    poster = EventPoster(str(settings.api_url), settings.api_key)
    return RemoteSink(poster, Spool(settings.home / "spool"))


def flush_spool(settings: Any) -> tuple[int, int]:
    """Deliver the spool now (``riverrun spool flush``): (batches delivered, still waiting).

    Raises:
        DeliveryError: the server is still unreachable (nothing is lost).
    """
    sink = remote_sink(settings)
    return sink.spool.deliver(sink._send_or_set_aside, blocking=True)
