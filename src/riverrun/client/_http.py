"""The HTTP backend: the ``Store``'s methods, over a riverrun server's API.

``SyncRiverrunClient`` (and the async client derived from it) call ``backend.<store
method>(...)``; this class offers the same names and signatures, so every client method
works unchanged against a server at ``RIVERRUN_API_URL``. Errors come back as the store's
own exceptions: 404 is ``ObjectNotFound``, 409 ``ObjectAlreadyExists``; a refused API key,
a rejected request or a failing server is a ``RiverrunHTTPStatusError`` carrying the
server's message; an unreachable server is ``RiverrunServerUnreachable`` naming the URL.

One ``httpx.Client`` (a pool of kept-alive connections) is shared by every backend with the
same URL and key in the process, and closed at exit.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, Any

from riverrun.client._operations import BackendOperations
from riverrun.exceptions import (
    InvalidConcurrencyRequest,
    InvalidNameError,
    InvalidWorkPoolError,
    ObjectAlreadyExists,
    ObjectNotFound,
    ParameterTypeError,
    RiverrunHTTPStatusError,
    RiverrunServerUnreachable,
)
from riverrun.schemas import encoding

if TYPE_CHECKING:
    import httpx

    from riverrun.settings import Settings

_TIMEOUT_S = 30.0
_JSON_HEADERS = {"Content-Type": "application/json"}
_CONNECT_TIMEOUT_S = 5.0

_clients: dict[tuple[str, str | None], httpx.Client] = {}
_clients_lock = threading.Lock()


def _shared_client(url: str, key: str | None) -> httpx.Client:
    import httpx

    with _clients_lock:
        client = _clients.get((url, key))
        if client is None:
            from riverrun._api.version import (
                API_VERSION,
                API_VERSION_HEADER,
                RIVERRUN_VERSION_HEADER,
                package_version,
            )

            headers = {"Accept": "application/json", API_VERSION_HEADER: API_VERSION,
                       RIVERRUN_VERSION_HEADER: package_version()}  # fmt: skip
            if key:
                headers["Authorization"] = f"Bearer {key}"
            client = httpx.Client(
                base_url=url.rstrip("/") + "/",
                headers=headers,
                timeout=httpx.Timeout(_TIMEOUT_S, connect=_CONNECT_TIMEOUT_S),
            )
            if not _clients:
                atexit.register(close_clients)
            _clients[(url, key)] = client
        return client


def close_clients() -> None:
    """Close every shared HTTP connection pool (at exit; tests)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:500]


def _error_kind(response: httpx.Response) -> str | None:
    """The ``error`` field of an error body: which riverrun exception the server raised."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def preload() -> None:
    """Import what the first request imports lazily (httpx's transport, the operation table),
    without opening anything: a fork server calls it so its children do not each pay it."""
    import encodings.idna  # noqa: F401

    import certifi  # noqa: F401
    import h11  # noqa: F401
    import httpcore  # noqa: F401
    import httpx  # noqa: F401
    import pydantic.type_adapter  # noqa: F401

    import riverrun._api.store_api  # noqa: F401
    import riverrun._api.version  # noqa: F401
    import riverrun._api.wire  # noqa: F401


def _is_riverrun_api(url: str, key: str | None) -> bool:
    try:
        answer = _shared_client(url, key).get("version")
        return bool(answer.is_success and "riverrun" in answer.json())
    except Exception:  # anything but a riverrun answer means "not here"
        return False


def _query_value(value: object) -> object:
    if isinstance(value, bool):
        return str(value).lower()
    return getattr(value, "value", value)


class HttpBackend(BackendOperations):
    """The store's operations over HTTP, for ``RIVERRUN_API_URL`` (with ``RIVERRUN_API_KEY``).

    Every operation of the table is a method (``BackendOperations``, generated); each builds
    its request from the operation's route and derived body model, the same ones the server's
    route validates with.

    Args:
        settings: the settings naming the server (``api_url``) and the key (``api_key``).

    Nothing is opened until the first call.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = str(settings.api_url).rstrip("/")
        self._key: str | None = settings.api_key or None
        self._api_confirmed = False

    def __repr__(self) -> str:
        return f"HttpBackend({self.url!r})"

    def _call(self, name: str, arguments: dict[str, Any]) -> Any:
        from riverrun._api import wire
        from riverrun._api.store_api import operation_named

        # Read your own writes: what this process recorded reaches the server first.
        from riverrun._recording import flush_pending

        flush_pending()
        op = operation_named(name)
        arguments = wire.plain_iterables(wire.given(arguments))
        path = op.route.url_path({p: _quote(str(arguments.pop(p))) for p in op.route.path_params})
        body: Any = None
        model = wire.body_model(op)
        whole = wire.body_parameter(op)
        # Validated by the model the server reads with, then written by the one encoder (not
        # pydantic's JSON mode, which turns NaN into null and refuses nothing httpx refuses):
        # a parameter of NaN, bytes or a datetime reaches the server as embedded stores it.
        if model is not None:
            body = model(**arguments).model_dump(exclude_unset=True)
            arguments = {}
        elif whole is not None:
            value = arguments.pop(whole.name)
            body = wire.adapter(whole.annotation).dump_python(value, exclude_unset=True)
        params = {k: _query_value(v) for k, v in arguments.items()}
        ok: tuple[int, ...] = (
            () if op.route.rejected_status is None else (op.route.rejected_status,)
        )
        if wire.answers_none_with_404(op):
            ok += (404,)
        response = self._request(op.route.method, path, json=body, params=params, ok_statuses=ok)
        if wire.returns_nothing(op) or response.status_code == 404:
            return None
        return wire.adapter(op.return_type).validate_json(response.content)

    # -- transport ---------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        import httpx

        client = _shared_client(self.url, self._key)
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        content = None if json is None else encoding.dumps(json).encode()
        headers = None if content is None else _JSON_HEADERS
        try:
            response = client.request(method, path.lstrip("/"), content=content, params=params,
                                      headers=headers)  # fmt: skip
        except httpx.TransportError as exc:
            raise RiverrunServerUnreachable(
                f"Cannot reach the riverrun server at {self.url} ({type(exc).__name__}: {exc}). "
                "Start it with `riverrun server start`, check RIVERRUN_API_URL, or unset it to "
                "use the embedded store."
            ) from None
        if response.status_code == 404 and not self._api_confirmed and self._moved_to_api():
            return self._request(method, path, json=json, params=params, ok_statuses=ok_statuses)
        if response.is_success or response.status_code in ok_statuses:
            return response
        raise self._error(method, path, response)

    def _moved_to_api(self) -> bool:
        """At the first 404: whether the URL is a server's root whose API is at ``/api`` (a
        URL given without it), in which case it is used from now on. Raises, naming the
        setting, when neither the URL nor its ``/api`` is a riverrun API."""
        if _is_riverrun_api(self.url, self._key):
            self._api_confirmed = True
            return False
        if not self.url.endswith("/api") and _is_riverrun_api(self.url + "/api", self._key):
            self.url += "/api"
            self._api_confirmed = True
            return True
        raise RiverrunHTTPStatusError(
            f"{self.url} answers 404 Not Found: it is not a riverrun server's API. "
            "RIVERRUN_API_URL should be the API's URL, ending in /api "
            "(e.g. http://127.0.0.1:4200/api)."
        )

    def _error(self, method: str, path: str, response: httpx.Response) -> Exception:
        status, detail = response.status_code, _detail(response)
        from riverrun._api.version import API_VERSION, API_VERSION_HEADER

        server_api = response.headers.get(API_VERSION_HEADER)
        if server_api is not None and server_api != API_VERSION:
            return RiverrunHTTPStatusError(detail)
        if status == 404:
            return ObjectNotFound(detail)
        if status in (409, 422) and _error_kind(response) == "InvalidWorkPoolError":
            return InvalidWorkPoolError(detail)
        if status == 409:
            return ObjectAlreadyExists(detail)
        if status == 422 and _error_kind(response) == "ParameterTypeError":
            return ParameterTypeError(detail)
        if status == 422 and _error_kind(response) == "InvalidConcurrencyRequest":
            return InvalidConcurrencyRequest(detail)
        if status == 422 and _error_kind(response) == "InvalidNameError":
            return InvalidNameError(detail)
        if status in (401, 403):
            message = f"The riverrun server at {self.url} refused the request ({status}): {detail}"
        elif status in (400, 413, 422):
            message = (f"The riverrun server at {self.url} rejected {method} /{path.lstrip('/')} "
                       f"({status}): {detail}")  # fmt: skip
        elif status == 429:
            message = f"The riverrun server at {self.url} is slowing this client down: {detail}"
        else:
            message = (f"The riverrun server at {self.url} failed on {method} /{path.lstrip('/')} "
                       f"({status}): {detail}. Its log has the details.")  # fmt: skip
        error = RiverrunHTTPStatusError(message, request=response.request, response=response)
        error.status_code = status  # type: ignore[attr-defined]
        return error

    # -- events ----------------------------------------------------------------------------------
    def ingest(self, events: list[dict[str, Any]]) -> None:
        """POST a batch of events to ``/events`` (idempotent on the server)."""
        if events:
            self._request("POST", "events", json={"events": events})


def check_login(url: str, key: str | None) -> dict[str, Any]:
    """Check that a riverrun server answers at ``url`` and accepts ``key``.

    Returns:
        The server's ``/version`` answer.

    Raises:
        RiverrunServerUnreachable: nothing answers at the URL.
        RiverrunHTTPStatusError: the server refused the key (the message says why), or the
            URL is not a riverrun API.
    """
    from riverrun.settings import temporary_settings

    with temporary_settings(api_url=url, api_key=key):
        from riverrun.settings import get_current_settings

        backend = HttpBackend(get_current_settings())
    try:
        answer = backend._request("GET", "version").json()
    except ObjectNotFound:
        answer = None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "riverrun" not in answer:
        raise RiverrunHTTPStatusError(
            f"{url} answered, but not as a riverrun server's API. The URL should end in /api "
            "(e.g. http://127.0.0.1:4200/api)."
        )
    return answer


def _quote(segment: str) -> str:
    from urllib.parse import quote

    return quote(segment, safe="")


__all__ = ["HttpBackend", "RiverrunServerUnreachable", "check_login", "close_clients"]
