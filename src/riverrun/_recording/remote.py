"""The remote sink: event batches POSTed to a riverrun server, spooled while it is away.

A flow never fails because the server is unreachable, and no answer of the server loses an
event. What each answer does (the rules of ``docs/architecture.md``, "Remote mode"):

- 2xx: stored.
- unreachable, 429, 502, 503, 504: the batch goes to the spool (``$RIVERRUN_HOME/spool``);
  a background deliverer retries with backoff, waiting at least what ``Retry-After`` asks.
- 500 (or another 5xx): retried the same way; after three in a row on the same batch it
  is split to find the events the server fails on, and those are set aside (below).
- 401, 403 (key missing, wrong, revoked, expired) and 404 (wrong URL): the configuration is
  wrong, not the events. Everything stays in the spool, this process stops sending (no
  hammering with a bad key), one warning names the fix; the next run with a valid key, or
  ``riverrun spool flush``, delivers it.
- 413: the batch is split in halves until each part fits (the server's answer names its
  limit, which the sender adopts); a single event still too large has its largest values
  cut further; only an event that cannot be made to fit is set aside.
- 422 and other 4xx: the batch is split to find the events refused; those are set aside in
  ``spool/rejected`` with the server's answer, the rest delivered.

Before sending, any value above ``RIVERRUN_RECORDING_MAX_VALUE_BYTES`` is truncated with a
marker giving its size, and batches are split to fit ``RIVERRUN_RECORDING_MAX_BATCH_BYTES``.
At exit, spooled events are delivered for at most ``RIVERRUN_RECORDING_EXIT_WAIT_SECONDS``;
then one line says how many still wait and what delivers them.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from riverrun._recording.spool import Spool
from riverrun.schemas.encoding import encode_value, jsonable

Event = dict[str, Any]

_CONNECT_TIMEOUT = 2.0
_READ_TIMEOUT = 15.0
_MAX_BACKOFF = 5.0
_MAX_RETRY_AFTER = 60.0
_DOWN_WINDOW = 5.0
_SERVER_ERRORS_BEFORE_SPLIT = 3
# Room left in a request body for the envelope and for what the server counts differently.
_BODY_MARGIN = 16 * 1024
_MIN_VALUE_BYTES = 1024
_TRANSIENT = {429, 502, 503, 504}


class DeliveryError(Exception):
    """The server could not take a batch now (unreachable, 429, 5xx): retry later."""

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class RefusedCredentials(DeliveryError):
    """The server refused the key (401/403) or has no such route (404): fix the settings."""


class RejectedBatch(Exception):
    """The server refused a batch (4xx): retrying the same events will not help."""

    def __init__(self, message: str, status: int, answer: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.answer = answer
        self.limit = limit


# The one encoder's values (riverrun.schemas.encoding), written as ASCII so a lone surrogate
# travels as its \u escape and the server names it, instead of failing here.
_encoder = json.JSONEncoder(default=encode_value)


def _encode(value: Any) -> bytes:
    try:
        text = _encoder.encode(value)
    except (TypeError, ValueError, RecursionError):
        # Keys json cannot write (a date, a tuple) or a container holding itself.
        text = _encoder.encode(jsonable(value))
    return text.encode("utf-8", "surrogatepass")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(_MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        return None


def _answer(response: Any) -> str:
    text: str = response.text[:2000]
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return text
    return str(detail)[:2000] if detail else text


class EventPoster:
    """POSTs event batches (already encoded) to ``{api_url}/events``."""

    def __init__(self, api_url: str, api_key: str | None) -> None:
        self.url = api_url.rstrip("/") + "/events"
        self.api_key = api_key
        self._client: Any = None
        self._lock = threading.Lock()

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            headers = {"Content-Type": "application/json"}
            if self.api_key:
                headers["Authorization"] = f"Bearer {self.api_key}"
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

    def post(self, body: bytes, count: int, timeout: float | None = None) -> None:
        """POST one encoded batch of ``count`` events.

        Raises:
            DeliveryError: retry later (``RefusedCredentials``: not before the settings change).
            RejectedBatch: the server refused these events.
        """
        import httpx

        extra = (
            {}
            if timeout is None
            else {"timeout": httpx.Timeout(timeout, connect=min(timeout, _CONNECT_TIMEOUT))}
        )
        with self._lock:
            try:
                response = self._http().post(self.url, content=body, **extra)
            except httpx.HTTPError as exc:
                raise DeliveryError(
                    f"{self.url} is unreachable ({type(exc).__name__}: {exc})"
                ) from None
        status = response.status_code
        if status < 400:
            return
        answer = _answer(response)
        if status in _TRANSIENT or status >= 500:
            raise DeliveryError(f"{self.url} answered {status}: {answer[:300]}",
                                _retry_after(response.headers.get("retry-after")), status)  # fmt: skip
        if status in (401, 403):
            raise RefusedCredentials(
                f"{self.url} refused the API key ({status}): {answer[:300]}", status=status
            )
        if status == 404:
            raise RefusedCredentials(
                f"{self.url} answered 404 ({answer[:200]}): RIVERRUN_API_URL must be the server's "
                "API URL, ending in /api (e.g. http://127.0.0.1:4200/api)",
                status=status,
            )
        limit = None
        if status == 413:
            try:
                limit = int(response.json().get("limit"))
            except (ValueError, TypeError, AttributeError):
                limit = None
        raise RejectedBatch(f"{self.url} refused {count} event(s) with {status}: {answer[:500]}",
                            status, answer, limit)  # fmt: skip


def _truncated_text(text: str, size: int, limit: int) -> str:
    marker = (f"… [truncated by riverrun: {size} bytes, over the {limit}-byte limit "
              "(RIVERRUN_RECORDING_MAX_VALUE_BYTES)]")  # fmt: skip
    room = max(0, limit - len(marker) - 16)
    cut = text[:room]
    while cut and len(_encode(cut)) > room:
        cut = cut[: len(cut) * room // len(_encode(cut))]
    return cut + marker


def fit_value(value: Any, limit: int, depth: int = 0) -> Any:
    """``value``, or a truncated stand-in if its JSON is larger than ``limit`` bytes.

    Dicts (parameters, a state payload) keep their keys and have their large values cut;
    text keeps its start; anything else becomes text: the start of its JSON and a marker.
    """
    size = len(_encode(value))
    if size <= limit:
        return value
    if isinstance(value, dict) and depth < 2:
        fitted = {k: fit_value(v, limit, depth + 1) for k, v in value.items()}
        if len(_encode(fitted)) <= limit:
            return fitted
    text = value if isinstance(value, str) else _encoder.encode(value)
    return _truncated_text(text, size, limit)


def fit_event(event: Event, limit: int) -> Event:
    """The event with every field within ``limit`` bytes of JSON."""
    return {key: fit_value(value, limit) for key, value in event.items()}


class BatchSender:
    """Sends events in requests that fit the body limit, isolating what the server refuses.

    Args:
        post: posts one encoded body of ``count`` events.
        set_aside: keeps refused events with the server's answer.
        max_batch_bytes: largest body sent (lowered when a 413 names a smaller limit).
        max_value_bytes: largest value sent as is.
    """

    def __init__(self, post: Callable[[bytes, int], None],
                 set_aside: Callable[[list[Event], RejectedBatch], None],
                 max_batch_bytes: int, max_value_bytes: int) -> None:  # fmt: skip
        self.post = post
        self.set_aside = set_aside
        self.max_batch_bytes = max_batch_bytes
        self.max_value_bytes = min(max_value_bytes, max_batch_bytes // 2)
        self.isolate_server_errors = False
        # Requests the server took while splitting a batch it failed on: proof that it fails
        # on those events, not on everything (a database outage must not set all aside).
        self._taken = 0

    def send(self, events: list[Event]) -> None:
        """Deliver ``events`` (raises ``DeliveryError`` when the server cannot take them now)."""
        self._taken = 0
        parts = [self._encoded(event) for event in events]
        start = size = 0
        for i, part in enumerate(parts):
            if i > start and size + len(part) + 1 > self.max_batch_bytes - _BODY_MARGIN:
                self._send_parts(events[start:i], parts[start:i])
                start, size = i, 0
            size += len(part) + 1
        if start < len(parts):
            self._send_parts(events[start:], parts[start:])

    def _encoded(self, event: Event) -> bytes:
        part = _encode(event)
        if len(part) > self.max_value_bytes:
            part = _encode(fit_event(event, self.max_value_bytes))
        return part

    def _send_parts(self, events: list[Event], parts: list[bytes]) -> None:
        body = b'{"events":[' + b",".join(parts) + b"]}"
        try:
            self.post(body, len(parts))
            self._taken += 1
        except RejectedBatch as exc:
            if exc.status == 413 and exc.limit:
                self.max_batch_bytes = min(self.max_batch_bytes, exc.limit)
                self.max_value_bytes = min(self.max_value_bytes, exc.limit // 2)
            self._split_or_set_aside(events, parts, exc)
        except DeliveryError as exc:
            if (
                not self.isolate_server_errors
                or (exc.status or 0) < 500
                or exc.status in _TRANSIENT
            ):
                raise
            if len(events) == 1 and not self._taken:
                raise  # nothing was taken yet: the server may be failing on everything
            self._split_or_set_aside(
                events, parts, RejectedBatch(str(exc), exc.status or 500, str(exc))
            )

    def _split_or_set_aside(
        self, events: list[Event], parts: list[bytes], exc: RejectedBatch
    ) -> None:
        if len(events) > 1:
            half = len(events) // 2
            self._send_parts(events[:half], parts[:half])
            self._send_parts(events[half:], parts[half:])
            return
        limit = min(self.max_value_bytes, len(parts[0])) // 4
        if exc.status == 413 and limit >= _MIN_VALUE_BYTES:
            # One event alone is too large: cut its values further and try once more.
            smaller = fit_event(events[0], limit)
            self._send_parts([smaller], [_encode(smaller)])
            return
        self.set_aside(events, exc)


class RemoteSink:
    """The recorder's sink in remote mode: deliver now, or spool and deliver later.

    Args:
        poster: the HTTP transport.
        spool: where undelivered batches wait.
        max_batch_bytes: RIVERRUN_RECORDING_MAX_BATCH_BYTES.
        max_value_bytes: RIVERRUN_RECORDING_MAX_VALUE_BYTES.
        exit_wait_s: RIVERRUN_RECORDING_EXIT_WAIT_SECONDS.
    """

    def __init__(self, poster: EventPoster, spool: Spool, *, max_batch_bytes: int = 8 * 1024 * 1024,
                 max_value_bytes: int = 1024 * 1024, exit_wait_s: float = 5.0) -> None:  # fmt: skip
        self.poster = poster
        self.spool = spool
        self.exit_wait_s = exit_wait_s
        # At exit, a request may take no longer than the exit wait has left.
        self._timeout: float | None = None
        self.sender = BatchSender(lambda body, count: poster.post(body, count, self._timeout),
                                  self._set_aside, max_batch_bytes, max_value_bytes)  # fmt: skip
        self._retry_thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._warned = False
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._reason = ""
        self._refused: str | None = None
        self._server_errors = 0
        self._closed = False
        # No request before this (monotonic) time: what the server's Retry-After asked for.
        self._not_before = 0.0
        if spool.pending():
            self._start_retrying()

    def __call__(self, events: list[Event]) -> None:
        if self._refused is not None or self.spool.pending():
            # Older batches are waiting (or the key is refused): keep the order behind them.
            self.spool.append(events)
            if self._refused is None and time.monotonic() >= self._down_until:
                self._deliver_spool()
            return
        try:
            self.sender.send(events)
        except DeliveryError as exc:
            self.spool.append(events)
            self._failed(exc)

    def close(self) -> None:
        """Stop the background deliverer and release the connection (the spool stays)."""
        self._closed = True
        self._wake.set()
        self.poster.close()

    def _set_aside(self, events: list[Event], exc: RejectedBatch) -> None:
        path = self.spool.set_aside(events, exc.answer)
        print(f"riverrun: WARNING: {exc}. The {len(events)} event(s) are kept with the server's "
              f"answer in {path}; the rest of the run is recorded.", file=sys.stderr)  # fmt: skip

    def deliver_spool(self, blocking: bool = True) -> tuple[int, int]:
        """Send the spool now: (batches delivered, batches still waiting).

        Raises:
            DeliveryError: the server cannot take them now (nothing is lost).
        """
        self.sender.isolate_server_errors = self._server_errors >= _SERVER_ERRORS_BEFORE_SPLIT
        try:
            result = self.spool.deliver(self.sender.send, blocking=blocking)
        except DeliveryError as exc:
            same_failure = (
                exc.status is not None and exc.status >= 500 and exc.status not in _TRANSIENT
            )
            self._server_errors = self._server_errors + 1 if same_failure else 0
            raise
        self._server_errors = 0
        return result

    def _deliver_spool(self) -> bool:
        # Blocking: if the retry thread (or another process) is delivering, wait for it
        # rather than leave batches behind when this process is about to exit.
        try:
            _, waiting = self.deliver_spool(blocking=True)
        except DeliveryError as exc:
            self._failed(exc)
            return False
        if waiting:
            self._start_retrying()
        else:
            self._recovered()
        return waiting == 0

    def _recovered(self) -> None:
        with self._lock:
            if self._warned and self._refused is None and not self.spool.pending():
                self._warned = False
                self._down_until = 0.0
                print(
                    "riverrun: the riverrun server answers again; spooled events delivered.",
                    file=sys.stderr,
                )

    def _failed(self, exc: DeliveryError) -> None:
        self._reason = str(exc)
        if isinstance(exc, RefusedCredentials):
            self._refuse(exc)
            return
        # For a while, new batches only queue up: a server that hangs must not cost every
        # batch a full timeout. The retry thread keeps trying in the background.
        now = time.monotonic()
        self._not_before = now + (exc.retry_after or 0.0)
        self._down_until = now + max(_DOWN_WINDOW, exc.retry_after or 0.0)
        self._warn(
            f"the riverrun server is not answering ({exc}). Runs keep going; their events are "
            f"kept in {self.spool.directory} and delivered when it answers again (or run "
            "`riverrun spool flush`)."
        )
        self._start_retrying()

    def _refuse(self, exc: RefusedCredentials) -> None:
        self._refused = str(exc)
        hint = ("Set a valid key (RIVERRUN_API_KEY, or `riverrun login --url URL --key KEY`)"
                if exc.status in (401, 403) else "Fix RIVERRUN_API_URL")  # fmt: skip
        self._warn(
            f"{exc}. This process sends nothing more to the server; the events are kept in "
            f"{self.spool.directory}. {hint}: the next run, or `riverrun spool flush`, "
            "delivers them."
        )

    def _warn(self, message: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        print(f"riverrun: WARNING: {message}", file=sys.stderr)

    def _start_retrying(self) -> None:
        with self._lock:
            if self._refused is not None:
                return
            if self._retry_thread is not None and self._retry_thread.is_alive():
                self._wake.set()
                return
            self._retry_thread = threading.Thread(
                target=self._retry_loop, name="riverrun-spool", daemon=True
            )
            self._retry_thread.start()

    def _retry_loop(self) -> None:
        delay = 0.25
        while self.spool.pending() and self._refused is None and not self._closed:
            asked = self._not_before - time.monotonic()
            if asked > 0:
                self._wake.wait(asked)
                continue
            wait = delay
            try:
                _, waiting = self.deliver_spool(blocking=False)
            except RefusedCredentials as exc:
                self._refuse(exc)
                return
            except DeliveryError as exc:
                waiting = 1
                self._not_before = time.monotonic() + (exc.retry_after or 0.0)
            if not waiting:
                break
            self._wake.wait(wait)
            self._wake.clear()
            delay = min(delay * 2, _MAX_BACKOFF)
        self._recovered()

    def at_exit(self, unwritten: list[Event], writer_stuck: bool) -> None:
        """The process is exiting: deliver the spool for at most the exit wait, then report."""
        if unwritten:
            self.spool.append(unwritten)
        deadline = time.monotonic() + self.exit_wait_s
        delay = 0.1
        while self._refused is None and self.spool.pending():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            asked = self._not_before - time.monotonic()
            if asked > 0:
                time.sleep(min(asked, remaining))
                continue
            try:
                self._timeout = max(0.2, remaining)
                self.deliver_spool(blocking=False)
                wait = delay
            except RefusedCredentials as exc:
                self._refuse(exc)
                break
            except DeliveryError as exc:
                self._reason = str(exc)
                self._not_before = time.monotonic() + (exc.retry_after or 0.0)
                wait = delay
            if not self.spool.pending():
                break
            time.sleep(max(0.0, min(wait, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)
        batches = self.spool.pending()
        if batches:
            reason = self._refused or self._reason or "the server did not answer in time"
            print(f"riverrun: {self.spool.count_events()} event(s) in {len(batches)} batch(es) "
                  f"wait in {self.spool.directory} for the server ({reason}); the next run, or "
                  "`riverrun spool flush`, delivers them.", file=sys.stderr)  # fmt: skip


def remote_sink(settings: Any) -> RemoteSink:
    """The sink for the current settings' server, spooling under ``$RIVERRUN_HOME/spool``."""
    poster = EventPoster(str(settings.api_url), settings.api_key)
    return RemoteSink(poster, Spool(settings.home / "spool"),
                      max_batch_bytes=settings.recording_max_batch_bytes,
                      max_value_bytes=settings.recording_max_value_bytes,
                      exit_wait_s=settings.recording_exit_wait_seconds)  # fmt: skip


def flush_spool(settings: Any) -> tuple[int, int]:
    """Deliver the spool now (``riverrun spool flush``): (batches delivered, still waiting).

    Raises:
        DeliveryError: the server is still unreachable or refuses the key (nothing is lost).
    """
    sink = remote_sink(settings)
    try:
        return sink.deliver_spool(blocking=True)
    finally:
        sink.close()
